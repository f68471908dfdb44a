namespace Rampart.Policy.Attachments;

/// <summary>
/// One entry of a <c>block:</c> or <c>allow:</c> list, as the administrator wrote it. Read in this order: a category
/// name ("executable"), a type name of the <see cref="FileTypeCatalogue"/> ("pe", "msi"), a MIME type
/// (contains '/': "application/x-msdownload"), an extension with a dot (".exe", any extension, known or not) or a
/// bare extension the catalogue knows ("exe"). Anything else is a configuration error, so that a misspelt category
/// is not silently taken for an extension nobody uses.
/// </summary>
public sealed record TypeSelector(TypeSelector.Kinds Kind, string Value)
{
    public enum Kinds { Category, Type, MimeType, Extension }

    public static TypeSelector? Parse(string entry)
    {
        var text = entry.Trim().ToLowerInvariant();
        if (text.Length == 0) return null;
        if (FileTypeCatalogue.IsCategory(text)) return new(Kinds.Category, text);
        if (FileTypeCatalogue.Named(text) is { } type) return new(Kinds.Type, type.Name);
        if (text.Contains('/')) return IsMimeType(text) ? new(Kinds.MimeType, text) : null;
        if (text.StartsWith('.')) return IsExtension(text[1..]) ? new(Kinds.Extension, text[1..]) : null;
        return FileTypeCatalogue.ForExtension(text) is not null ? new(Kinds.Extension, text) : null;
    }

    /// <summary>True when the attachment (any of its names, its declared type or its true type) is what this entry names.</summary>
    public bool Matches(AttachmentFacts facts) => Kind switch
    {
        Kinds.Category => facts.Types.Any(t => t.Category == Value),
        Kinds.Type => facts.Types.Any(t => t.Name == Value),
        Kinds.MimeType => facts.DeclaredType == Value || facts.Types.Any(t => t.MimeTypes.Contains(Value)),
        _ => facts.Extensions.Contains(Value),
    };

    /// <summary>True when one type of the catalogue is what this entry names (used for the allow list, type by type).</summary>
    public bool Matches(FileType type) => Kind switch
    {
        Kinds.Category => type.Category == Value,
        Kinds.Type => type.Name == Value,
        Kinds.MimeType => type.MimeTypes.Contains(Value),
        _ => type.Extensions.Contains(Value),
    };

    public override string ToString() => Kind == Kinds.Extension ? "." + Value : Value;

    private static bool IsMimeType(string text)
    {
        var slash = text.IndexOf('/');
        return slash > 0 && slash < text.Length - 1 && text.IndexOf('/', slash + 1) < 0 && text.All(c => c is > ' ' and < '\x7f');
    }

    private static bool IsExtension(string text) => text.Length is > 0 and <= 32 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
