using System.Text;
using Rampart.Policy.Attachments;

namespace Rampart.Policy.Tests.Attachments;

public class TrueTypeDetectorTests
{
    private static byte[] At(int offset, string signature, int length = 0x9800)
    {
        var bytes = new byte[Math.Max(length, offset + signature.Length)];
        Encoding.Latin1.GetBytes(signature).CopyTo(bytes, offset);
        return bytes;
    }

    public static TheoryData<string, byte[]> Signatures => new()
    {
        { "pe", Samples.Pe() },
        { "elf", Samples.Elf() },
        { "macho", [0xCF, 0xFA, 0xED, 0xFE, 7, 0, 0, 1] },
        { "macho", [0xFE, 0xED, 0xFA, 0xCE, 0, 0, 0, 7] },
        { "macho", Samples.MachOFat() },
        { "java-class", Samples.JavaClass() },
        { "ole", Samples.Cfb(Guid.Empty, "x", 2) },
        { "shortcut", Samples.Lnk() },
        { "zip", Samples.Zip(("a", [1])) },
        { "rar", Samples.Rar() },
        { "7z", [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C, 0, 4] },
        { "gzip", [0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0] },
        { "bzip2", Encoding.Latin1.GetBytes("BZh91AY&SY\0\0") },
        { "xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 0, 4] },
        { "cab", Encoding.Latin1.GetBytes("MSCF\0\0\0\0xxxx") },
        { "tar", At(257, "ustar\x0000", 512) },
        { "iso", Samples.Iso() },
        { "iso", At(0x9001, "CD001") },
        { "udf", At(0x8001, "BEA01") },
        { "vhd", Encoding.Latin1.GetBytes("vhdxfile\0\0\0\0") },
        { "vhd", Encoding.Latin1.GetBytes("conectix\0\0\0\0") },
        { "pdf", Samples.Pdf() },
        { "pdf", Encoding.Latin1.GetBytes("\r\n\r\n%PDF-1.4\n") },
        { "png", Samples.Png() },
        { "jpeg", [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10] },
        { "gif", Encoding.Latin1.GetBytes("GIF89a\x01\0\x01\0") },
        { "shell-script", Samples.Shebang() },
        { "hta", Samples.Hta() },
        { "", Samples.Text() },
        { "", Encoding.Latin1.GetBytes("MZ is short for a Mazda, said nobody.\r\n" + new string(' ', 100)) },
        { "", Encoding.Latin1.GetBytes("PK fire was the password\r\n") },
        { "", Encoding.Latin1.GetBytes("#!important: not a shebang\r\n") },
        { "", [] },
    };

    [Theory]
    [MemberData(nameof(Signatures))]
    public void Signatures_are_precise(string type, byte[] bytes) => Assert.Equal(type, TrueTypeDetector.Detect(bytes)?.Name ?? "");

    [Theory]
    [InlineData(9)]
    [InlineData(12)]
    public void Compound_files_of_both_sector_sizes_are_classified(int shift)
    {
        Assert.Equal("msi", CompoundFile.Classify(new MemoryStream(Samples.Cfb(Samples.MsiClsid, "x", 2, shift))));
        Assert.Equal("ole-macro", CompoundFile.Classify(new MemoryStream(Samples.Cfb(Samples.WordClsid, "_VBA_PROJECT", 2, shift))));
        Assert.Equal("ole", CompoundFile.Classify(new MemoryStream(Samples.Cfb(Samples.WordClsid, "WordDocument", 2, shift))));
    }

    [Fact]
    public void A_compound_file_with_a_looping_directory_chain_is_refused()
    {
        var file = Samples.Cfb(Guid.Empty, "x", 2);
        BitConverter.GetBytes(1u).CopyTo(file, 512 + 4); // FAT: sector 1 (the directory) points to itself

        Assert.Throws<InvalidDataException>(() => CompoundFile.Classify(new MemoryStream(file)));
    }
}
