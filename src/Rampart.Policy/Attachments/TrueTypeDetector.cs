using System.Buffers.Binary;
using System.Text;

namespace Rampart.Policy.Attachments;

/// <summary>
/// The true type of content from its first bytes. Every rule is a fixed signature at a fixed offset (or a short
/// bounded search where the format allows leading bytes), so plain text never matches. Scripts other than
/// shebang files and HTA have no reliable signature and are known by name only.
/// </summary>
public static class TrueTypeDetector
{
    /// <summary>Enough for every signature at the start of a file, and for the PE header of nearly all executables.</summary>
    public const int ShortPrefix = 4096;

    /// <summary>ISO 9660 and UDF volume descriptors sit at 0x8001, 0x8801 and 0x9001 (ECMA-119 §8, ECMA-167 §2/9.1).</summary>
    public const int LongPrefix = 0x9001 + 5;

    private static ReadOnlySpan<byte> Ole => [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    private static ReadOnlySpan<byte> Lnk => [0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46];
    private static ReadOnlySpan<byte> Png => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static ReadOnlySpan<byte> SevenZip => [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C];
    private static ReadOnlySpan<byte> Xz => [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00];
    private static ReadOnlySpan<byte> Tnef => [0x78, 0x9F, 0x3E, 0x22];

    /// <summary>The name of the catalogue type the bytes show, or null when no signature matches.</summary>
    public static FileType? Detect(ReadOnlySpan<byte> prefix) =>
        DetectName(prefix) is { } name ? FileTypeCatalogue.Named(name) : null;

    /// <summary>TNEF (MS-OXTNEF §2.1.3.1: TNEF_SIGNATURE 0x223E9F78, little-endian): winmail.dat under any name.</summary>
    public static bool IsTnef(ReadOnlySpan<byte> prefix) => prefix.StartsWith(Tnef);

    public static bool IsZip(ReadOnlySpan<byte> prefix) => prefix.Length >= 4 && prefix[0] == 'P' && prefix[1] == 'K' &&
        (prefix[2], prefix[3]) is (3, 4) or (5, 6) or (7, 8);

    public static bool IsOle(ReadOnlySpan<byte> prefix) => prefix.StartsWith(Ole);

    private static string? DetectName(ReadOnlySpan<byte> p)
    {
        if (IsPe(p)) return "pe";
        if (p.StartsWith("\x7f"u8 + "ELF"u8) && p.Length > 4 && p[4] is 1 or 2) return "elf";
        if (p.Length >= 8 && BinaryPrimitives.ReadUInt32BigEndian(p) is 0xFEEDFACE or 0xFEEDFACF or 0xCEFAEDFE or 0xCFFAEDFE) return "macho";
        if (p.Length >= 8 && BinaryPrimitives.ReadUInt32BigEndian(p) is 0xCAFEBABE or 0xCAFEBABF)
        {
            // Fat Mach-O and Java class files share CAFEBABE; the next word is the architecture count (a handful)
            // in one and minor<<16|major version (major 45 and up) in the other, the rule file(1) uses.
            return BinaryPrimitives.ReadUInt32BigEndian(p[4..]) < 30 ? "macho" : "java-class";
        }
        if (IsOle(p)) return "ole";
        if (p.StartsWith(Lnk)) return "shortcut";
        if (IsZip(p)) return "zip";
        if (p.StartsWith("Rar!\x1a\x07"u8)) return "rar";
        if (p.StartsWith(SevenZip)) return "7z";
        if (p.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B, 0x08])) return "gzip";
        if (p.Length >= 10 && p.StartsWith("BZh"u8) && p[3] is >= (byte)'1' and <= (byte)'9' && p[4..10].SequenceEqual((ReadOnlySpan<byte>)[0x31, 0x41, 0x59, 0x26, 0x53, 0x59])) return "bzip2";
        if (p.StartsWith(Xz)) return "xz";
        if (p.StartsWith("MSCF\0\0\0\0"u8)) return "cab";
        // ARJ has a two-byte signature only: known by name.
        if (p.StartsWith((ReadOnlySpan<byte>)[0x28, 0xB5, 0x2F, 0xFD]) || At(p, 7, "**ACE**"u8)) return "ace";
        if (At(p, 257, "ustar"u8)) return "tar";
        if (p.StartsWith("vhdxfile"u8) || p.StartsWith("conectix"u8)) return "vhd";
        if (p.StartsWith(Png)) return "png";
        if (p.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return "jpeg";
        if (p.StartsWith("GIF87a"u8) || p.StartsWith("GIF89a"u8)) return "gif";
        // Readers accept a PDF header anywhere in the first KiB (ISO 32000-1 annex H.3 implementation note 13).
        if (p[..Math.Min(p.Length, 1024)].IndexOf("%PDF-"u8) >= 0) return "pdf";
        if (p.StartsWith(@"{\rtf"u8)) return "odf";
        if (p.StartsWith("#!/"u8) || p.StartsWith("#! /"u8)) return "shell-script";
        if (ContainsIgnoreCase(p, "<hta:application")) return "hta";
        foreach (var offset in (ReadOnlySpan<int>)[0x8001, 0x8801, 0x9001])
        {
            if (At(p, offset, "CD001"u8)) return "iso";
            if (At(p, offset, "BEA01"u8) || At(p, offset, "NSR02"u8) || At(p, offset, "NSR03"u8)) return "udf";
        }
        return null;
    }

    /// <summary>MZ, then e_lfanew (offset 0x3C) pointing at "PE\0\0" (Microsoft PE/COFF specification §2 and §3).</summary>
    private static bool IsPe(ReadOnlySpan<byte> p)
    {
        if (p.Length < 0x40 || p[0] != 'M' || p[1] != 'Z') return false;
        var peOffset = BinaryPrimitives.ReadInt32LittleEndian(p[0x3C..]);
        return peOffset >= 0x40 && peOffset <= p.Length - 4 && p.Slice(peOffset, 4).SequenceEqual("PE\0\0"u8);
    }

    private static bool At(ReadOnlySpan<byte> p, int offset, ReadOnlySpan<byte> signature) =>
        p.Length >= offset + signature.Length && p.Slice(offset, signature.Length).SequenceEqual(signature);

    private static bool ContainsIgnoreCase(ReadOnlySpan<byte> p, string needle)
    {
        var first = (byte)needle[0];
        for (var at = p.IndexOf(first); at >= 0 && at <= p.Length - needle.Length; )
        {
            if (Ascii.EqualsIgnoreCase(p.Slice(at, needle.Length), needle)) return true;
            var next = p[(at + 1)..].IndexOf(first);
            at = next < 0 ? -1 : at + 1 + next;
        }
        return false;
    }
}
