namespace Rampart.Policy.Attachments;

/// <summary>Block and allow lists applied to one attachment's facts (semantics on <see cref="AttachmentOptions"/>).</summary>
public static class AttachmentPolicy
{
    /// <summary>The finding for these facts, or null when the attachment may pass.</summary>
    public static (FindingKind Kind, string Reason)? Judge(AttachmentFacts facts, AttachmentOptions options)
    {
        foreach (var selector in options.BlockSelectors)
        {
            if (selector.Matches(facts)) return (FindingKind.Blocked, $"{Describe(selector, facts)} (blocked type)");
        }
        var allow = options.AllowSelectors;
        if (allow.Count == 0) return null;
        if (facts.TrueType is { } trueType)
        {
            // The true type wins: a PNG named .txt is judged as a PNG.
            if (!allow.Any(s => s.Matches(trueType))) return NotAllowed(trueType.Category);
        }
        foreach (var name in facts.Names)
        {
            var extensions = FileNames.ExtensionsOf(name).ToArray();
            if (extensions.Length == 0) continue;
            // The last extension decides what opens the file; any other known one may be the real type in disguise.
            if (!Allows(allow, extensions[^1])) return NotAllowed("." + extensions[^1]);
            foreach (var extension in extensions[..^1])
            {
                if (FileTypeCatalogue.ForExtension(extension) is not null && !Allows(allow, extension)) return NotAllowed("." + extension);
            }
        }
        if (facts.TrueType is null && facts.Extensions.Count == 0)
        {
            var declared = FileTypeCatalogue.ForMimeType(facts.DeclaredType);
            if (!allow.Any(s => s.Kind == TypeSelector.Kinds.MimeType ? s.Value == facts.DeclaredType : declared is not null && s.Matches(declared)))
            {
                return NotAllowed(facts.DeclaredType);
            }
        }
        return null;
    }

    private static (FindingKind, string) NotAllowed(string what) => (FindingKind.NotAllowed, $"{what} (not an allowed type)");

    private static bool Allows(IReadOnlyList<TypeSelector> allow, string extension)
    {
        var type = FileTypeCatalogue.ForExtension(extension);
        return allow.Any(s => s.Kind == TypeSelector.Kinds.Extension ? s.Value == extension : type is not null && s.Matches(type));
    }

    /// <summary>The category when the entry is one, else what the entry named: short enough for a reply line.</summary>
    private static string Describe(TypeSelector selector, AttachmentFacts facts) => selector.Kind switch
    {
        TypeSelector.Kinds.Category => selector.Value,
        TypeSelector.Kinds.Type => facts.Types.First(t => t.Name == selector.Value).Category,
        _ => selector.ToString(),
    };
}
