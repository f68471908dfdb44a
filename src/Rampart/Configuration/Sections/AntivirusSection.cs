using Rampart.Policy.Antivirus;

namespace Rampart.Configuration.Sections;

/// <summary>A listener's antivirus: which of the top-level scanners scan its mail, and what a verdict (or none) leads to.</summary>
internal static class AntivirusSection
{
    public static AntivirusOptions? Read(Section? s, IReadOnlyList<ScannerOptions> scanners)
    {
        if (s is null) return null;
        var d = new AntivirusOptions();
        var names = s.List("scanners");
        if (names.Count == 0) throw s.Error("scanners", "name at least one scanner from the top-level scanners: section");
        var chosen = new List<ScannerOptions>();
        foreach (var name in names)
        {
            chosen.Add(scanners.FirstOrDefault(x => x.Name == name)
                ?? throw s.Error("scanners", $"no scanner '{name}' under the top-level scanners: ({(scanners.Count == 0 ? "none defined" : string.Join(", ", scanners.Select(x => x.Name)))})"));
        }
        var options = d with
        {
            Scanners = chosen.DistinctBy(x => x.Name).ToList(),
            OnInfected = s.Choice("on_virus", d.OnInfected, ("reject", InfectedAction.Reject), ("quarantine", InfectedAction.Quarantine)),
            // No "deliver": unscanned mail is never delivered.
            OnFailure = s.Choice("on_failure", d.OnFailure, ("tempfail", ScanFailureAction.TempFail), ("quarantine", ScanFailureAction.Quarantine)),
            OnTooLarge = s.Choice("on_too_large", d.OnTooLarge,
                ("reject", TooLargeAction.Reject), ("quarantine", TooLargeAction.Quarantine), ("pass", TooLargeAction.Pass)),
        };
        s.Finish();
        return options;
    }

    /// <summary>
    /// A listener that accepts messages bigger than one of its scanners takes and does not say what happens to
    /// them: the default (refuse) applies, but an administrator who raised the message size probably meant them
    /// to arrive. Said by check-config and at start, never an error.
    /// </summary>
    public static string? ScanSizeWarning(Section? antivirus, long maxMessageSize, AntivirusOptions? options)
    {
        if (antivirus is null || options is null || antivirus.Has("on_too_large")) return null;
        var smaller = options.Scanners.Where(x => x.MaxScanBytes < maxMessageSize).OrderBy(x => x.MaxScanBytes).FirstOrDefault();
        return smaller is null ? null : antivirus.Warning("on_too_large",
            $"messages up to {maxMessageSize} bytes are accepted (limits.max_message_size) but scanner '{smaller.DisplayName}' "
            + $"takes at most {smaller.MaxScanBytes} (max_size); those in between are refused with 552 5.3.4. "
            + "Say so with on_too_large: reject, quarantine or pass, or make the sizes agree");
    }
}
