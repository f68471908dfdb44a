namespace Rampart.Configuration.Sections;

/// <summary>
/// An inbound listener's recipients: where the addresses of its authoritative domains are validated (a file, LDAP,
/// a callout, asked in that order), and the tarpit for those who guess.
/// </summary>
internal static class RecipientsSection
{
    public static RecipientOptions? Read(Section? s, string baseDir, IReadOnlyList<RouteOptions> routes, CalloutCaps calloutCaps)
    {
        if (s is null) return null;
        var d = new RecipientOptions();
        var file = s.String("file") is { } f ? Path.GetFullPath(f, baseDir) : null;
        if (file is not null && !File.Exists(file)) throw s.Error("file", $"file '{file}' does not exist");
        var recipients = d with
        {
            File = file,
            Ldap = LdapSection.Read(s.Child("ldap"), baseDir),
            Callout = CalloutSection.Read(s.Child("callout"), routes, calloutCaps),
            TarpitAfter = s.Int("tarpit_after", d.TarpitAfter, 0, 1000),
            TarpitDelay = s.Duration("tarpit_delay", d.TarpitDelay, TimeSpan.Zero, TimeSpan.FromMinutes(1)),
        };
        if (recipients is { File: null, Ldap: null, Callout: null }) throw s.Error("needs at least one source: file, ldap or callout");
        s.Finish();
        return recipients;
    }
}
