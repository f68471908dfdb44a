namespace Rampart.Policy.Attachments;

/// <summary>
/// One named file type: the category an administrator may block or allow as a whole, the extensions that name it,
/// and the MIME types senders declare for it. Whether the bytes can show it is up to <see cref="TrueTypeDetector"/>:
/// types without a byte rule (scripts, text) are known by name only.
/// </summary>
public sealed record FileType(string Name, string Category, IReadOnlyList<string> Extensions, IReadOnlyList<string> MimeTypes);

/// <summary>
/// The file types and categories that configuration lists may name. Categories: executable, script, office-macro,
/// msi, shortcut, disk-image, archive (zip, tar, gzip, 7z: opened and their entries checked), archive-other (rar,
/// cab, bzip2, xz, ...: typed by bytes, never opened), document, image, text.
/// </summary>
public static class FileTypeCatalogue
{
    public static readonly IReadOnlyList<string> Categories =
        ["executable", "script", "office-macro", "msi", "shortcut", "disk-image", "archive", "archive-other", "document", "image", "text"];

    public static readonly IReadOnlyList<FileType> Types =
    [
        new("pe", "executable", ["exe", "dll", "scr", "com", "pif", "cpl", "sys", "drv", "ocx", "efi", "msc", "gadget"],
            ["application/x-msdownload", "application/x-dosexec", "application/x-ms-dos-executable", "application/vnd.microsoft.portable-executable"]),
        new("elf", "executable", ["elf", "so"], ["application/x-executable", "application/x-elf", "application/x-sharedlib"]),
        new("macho", "executable", ["macho", "dylib", "app"], ["application/x-mach-binary"]),
        new("windows-script", "script", ["js", "jse", "vbs", "vbe", "wsf", "wsh", "ws", "wsc", "sct"], ["application/javascript", "text/javascript", "text/vbscript"]),
        new("powershell", "script", ["ps1", "psm1", "psd1", "ps1xml", "psc1"], []),
        new("batch", "script", ["bat", "cmd"], ["application/x-bat"]),
        new("shell-script", "script", ["sh", "bash", "csh", "ksh", "zsh", "command", "py", "pl", "rb"], ["application/x-sh", "application/x-shellscript"]),
        new("hta", "script", ["hta"], ["application/hta"]),
        new("jar", "script", ["jar", "jnlp"], ["application/java-archive", "application/x-java-jnlp-file"]),
        new("java-class", "script", ["class"], ["application/java-vm"]),
        new("msi", "msi", ["msi", "msp", "mst"], ["application/x-msi"]),
        new("ole-macro", "office-macro", [], []),
        new("ooxml-macro", "office-macro", ["docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppam", "ppsm", "sldm"],
            ["application/vnd.ms-word.document.macroenabled.12", "application/vnd.ms-excel.sheet.macroenabled.12", "application/vnd.ms-powerpoint.presentation.macroenabled.12"]),
        new("shortcut", "shortcut", ["lnk", "url", "scf", "website", "settingcontent-ms"], ["application/x-ms-shortcut"]),
        new("iso", "disk-image", ["iso"], ["application/x-iso9660-image"]),
        new("udf", "disk-image", ["udf"], []),
        new("disk-image", "disk-image", ["img", "dmg", "vmdk"], ["application/x-apple-diskimage"]),
        new("vhd", "disk-image", ["vhd", "vhdx"], []),
        new("zip", "archive", ["zip"], ["application/zip", "application/x-zip-compressed"]),
        new("rar", "archive-other", ["rar"], ["application/x-rar-compressed", "application/vnd.rar"]),
        new("7z", "archive", ["7z"], ["application/x-7z-compressed"]),
        new("gzip", "archive", ["gz", "tgz"], ["application/gzip", "application/x-gzip"]),
        new("bzip2", "archive-other", ["bz2", "tbz2"], ["application/x-bzip2"]),
        new("xz", "archive-other", ["xz", "txz"], ["application/x-xz"]),
        new("cab", "archive-other", ["cab"], ["application/vnd.ms-cab-compressed"]),
        new("tar", "archive", ["tar"], ["application/x-tar"]),
        new("ace", "archive-other", ["ace", "arj", "lzh", "lha", "z", "zst"], []),
        new("pdf", "document", ["pdf"], ["application/pdf"]),
        new("ole", "document", ["doc", "dot", "xls", "xlt", "ppt", "pps", "msg"], ["application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"]),
        new("ooxml", "document", ["docx", "dotx", "xlsx", "xltx", "pptx", "potx", "ppsx"],
            ["application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation"]),
        new("odf", "document", ["odt", "ods", "odp", "rtf"], ["application/vnd.oasis.opendocument.text", "application/rtf"]),
        new("png", "image", ["png"], ["image/png"]),
        new("jpeg", "image", ["jpg", "jpeg", "jpe"], ["image/jpeg"]),
        new("gif", "image", ["gif"], ["image/gif"]),
        new("other-image", "image", ["bmp", "tif", "tiff", "webp", "heic", "svg"], ["image/bmp", "image/tiff", "image/webp"]),
        new("text", "text", ["txt", "csv", "log", "md", "ics", "vcf", "eml"], ["text/plain", "text/csv", "text/calendar"]),
    ];

    private static readonly Dictionary<string, FileType> ByName = Types.ToDictionary(t => t.Name, StringComparer.OrdinalIgnoreCase);

    private static readonly Dictionary<string, FileType> ByExtension = Types
        .SelectMany(t => t.Extensions.Select(e => (e, t))).ToDictionary(p => p.e, p => p.t, StringComparer.OrdinalIgnoreCase);

    private static readonly Dictionary<string, FileType> ByMimeType = Types
        .SelectMany(t => t.MimeTypes.Select(m => (m, t))).ToDictionary(p => p.m, p => p.t, StringComparer.OrdinalIgnoreCase);

    public static FileType? Named(string name) => ByName.GetValueOrDefault(name);

    public static FileType? ForExtension(string extension) => ByExtension.GetValueOrDefault(extension);

    public static FileType? ForMimeType(string mimeType) => ByMimeType.GetValueOrDefault(mimeType);

    public static bool IsCategory(string name) => Categories.Contains(name, StringComparer.OrdinalIgnoreCase);
}
