using System.Globalization;
using System.Text;

namespace Rampart.Policy.Attachments;

/// <summary>
/// What is known about one attachment (a MIME part, a uuencoded block, a TNEF attachment or an archive entry):
/// its normalised names, every extension of every name, the declared Content-Type and the true type from the bytes.
/// </summary>
public sealed record AttachmentFacts(IReadOnlyList<string> Names, string DeclaredType, FileType? TrueType)
{
    /// <summary>Every extension of every name: "invoice.pdf.exe" gives pdf and exe, so a double extension hides nothing.</summary>
    public IReadOnlyList<string> Extensions { get; } = Names.SelectMany(FileNames.ExtensionsOf).Distinct().ToArray();

    /// <summary>
    /// The catalogue types this attachment may be: by bytes, by any extension, and by the declared MIME type. A
    /// block list matches any of them, so that an innocent name never hides the bytes and innocent bytes
    /// (a script is text) never hide the name.
    /// </summary>
    public IReadOnlyList<FileType> Types { get; } = TypesOf(Names, DeclaredType, TrueType);

    /// <summary>How the attachment is shown in replies and reports: its first name, or its declared type.</summary>
    public string DisplayName => Names.Count > 0 ? Names[0] : DeclaredType;

    private static FileType[] TypesOf(IReadOnlyList<string> names, string declared, FileType? trueType)
    {
        var types = new List<FileType>();
        if (trueType is not null) types.Add(trueType);
        foreach (var extension in names.SelectMany(FileNames.ExtensionsOf))
        {
            if (FileTypeCatalogue.ForExtension(extension) is { } type) types.Add(type);
        }
        if (FileTypeCatalogue.ForMimeType(declared) is { } declaredType) types.Add(declaredType);
        return types.Distinct().ToArray();
    }
}

/// <summary>File name normalisation, as Windows and mail clients will see the name.</summary>
public static class FileNames
{
    /// <summary>Longer names are cut: nothing legitimate needs more, and every later step stays bounded.</summary>
    private const int MaxName = 1024;

    /// <summary>
    /// Lower case; the last path segment only (clients strip folders); invisible format characters (the
    /// right-to-left override of "gpj.exe" tricks) and controls removed; trailing dots and spaces trimmed, because
    /// Windows ignores them ("x.exe." and "x.exe " open as x.exe). Null when nothing is left.
    /// </summary>
    public static string? Normalise(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return null;
        if (name.Length > MaxName) name = name[..MaxName];
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            var category = char.GetUnicodeCategory(c);
            if (category is UnicodeCategory.Format or UnicodeCategory.Control) continue;
            builder.Append(char.ToLowerInvariant(c));
        }
        var text = builder.ToString();
        text = text[(text.LastIndexOfAny(['/', '\\']) + 1)..];
        text = text.Trim().TrimEnd('.', ' ', '\t');
        return text.Length == 0 ? null : text;
    }

    /// <summary>Every extension after the first dot: "a.tar.gz" gives tar and gz; each is trimmed like the name.</summary>
    public static IEnumerable<string> ExtensionsOf(string normalisedName)
    {
        var segments = normalisedName.Split('.');
        for (var i = 1; i < segments.Length; i++)
        {
            var extension = segments[i].Trim();
            if (extension.Length > 0) yield return extension;
        }
    }
}
