using System.IO.Compression;
using System.Net;
using System.Text;
using MimeKit;
using Rampart.Mail;
using Rampart.Policy.Attachments;

namespace Rampart.Policy.Tests.Attachments;

/// <summary>Files and messages built in the test: every sample is made here, none is checked in.</summary>
internal static class Samples
{
    public static byte[] Pe()
    {
        var bytes = new byte[1024];
        bytes[0] = (byte)'M';
        bytes[1] = (byte)'Z';
        BitConverter.GetBytes(0x80).CopyTo(bytes, 0x3C);
        "PE\0\0"u8.CopyTo(bytes.AsSpan(0x80));
        return bytes;
    }

    public static byte[] Elf() => [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    public static byte[] MachOFat() => [0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 2, 0, 0, 0, 0];
    public static byte[] JavaClass() => [0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 0x34, 0, 0, 0, 0];
    public static byte[] Pdf() => Encoding.ASCII.GetBytes("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + new string('x', 2000) + "\n%%EOF\n");
    public static byte[] Png() => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, (byte)'I', (byte)'H', (byte)'D', (byte)'R'];
    public static byte[] Text() => Encoding.ASCII.GetBytes("Minutes of the meeting.\r\nMZ was mentioned, and PK too.\r\n");
    public static byte[] Lnk() => [0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46, 0, 0, 0, 0];
    public static byte[] Shebang() => "#!/bin/sh\nrm -rf ~\n"u8.ToArray();
    public static byte[] Hta() => "<html><head><HTA:APPLICATION id=x></head></html>"u8.ToArray();
    public static byte[] Rar() => "Rar!\x1a\x07\x01\x00rest"u8.ToArray();

    public static byte[] Iso()
    {
        var bytes = new byte[0x9800];
        "CD001"u8.CopyTo(bytes.AsSpan(0x8001));
        return bytes;
    }

    public static byte[] Zip(params (string Name, byte[] Bytes)[] entries)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in entries)
            {
                using var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
                stream.Write(bytes);
            }
        }
        return output.ToArray();
    }

    public static byte[] Docx(bool macros)
    {
        var types = macros
            ? "<Types><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.ms-word.document.macroEnabled.main+xml\"/></Types>"
            : "<Types><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>";
        var entries = new List<(string, byte[])> { ("[Content_Types].xml", Encoding.UTF8.GetBytes(types)), ("word/document.xml", "<w:document/>"u8.ToArray()) };
        if (macros) entries.Add(("word/vbaProject.bin", [1, 2, 3]));
        return Zip([.. entries]);
    }

    /// <summary>
    /// A minimal valid compound file ([MS-CFB]), version 3 (512-byte sectors, shift 9) or 4 (4096, shift 12):
    /// header, one FAT sector, one directory sector holding the root
    /// (with <paramref name="rootClsid"/>) and one more entry named <paramref name="entry"/>.
    /// </summary>
    public static byte[] Cfb(Guid rootClsid, string entry, byte entryType, int shift = 9)
    {
        var size = 1 << shift;
        var file = new byte[size * 3];
        var header = file.AsSpan(0, 512);
        new byte[] { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 }.CopyTo(header);
        BitConverter.GetBytes((ushort)0x3E).CopyTo(file, 0x18);
        BitConverter.GetBytes((ushort)(shift == 9 ? 3 : 4)).CopyTo(file, 0x1A);
        BitConverter.GetBytes((ushort)0xFFFE).CopyTo(file, 0x1C);
        BitConverter.GetBytes((ushort)shift).CopyTo(file, 0x1E);
        BitConverter.GetBytes((ushort)6).CopyTo(file, 0x20);
        BitConverter.GetBytes(1u).CopyTo(file, 0x2C); // one FAT sector
        BitConverter.GetBytes(1u).CopyTo(file, 0x30); // directory starts at sector 1
        BitConverter.GetBytes(4096u).CopyTo(file, 0x38);
        BitConverter.GetBytes(0xFFFFFFFEu).CopyTo(file, 0x3C);
        BitConverter.GetBytes(0xFFFFFFFEu).CopyTo(file, 0x44);
        for (var i = 0; i < 109; i++) BitConverter.GetBytes(i == 0 ? 0u : 0xFFFFFFFFu).CopyTo(file, 0x4C + i * 4);
        var fat = size;
        for (var i = 0; i < size / 4; i++) BitConverter.GetBytes(i switch { 0 => 0xFFFFFFFDu, 1 => 0xFFFFFFFEu, _ => 0xFFFFFFFFu }).CopyTo(file, fat + i * 4);
        WriteEntry(file, 2 * size, "Root Entry", 5, rootClsid);
        WriteEntry(file, 2 * size + 128, entry, entryType, Guid.Empty);
        return file;
    }

    private static void WriteEntry(byte[] file, int at, string name, byte type, Guid clsid)
    {
        var encoded = Encoding.Unicode.GetBytes(name + "\0");
        encoded.CopyTo(file, at);
        BitConverter.GetBytes((ushort)encoded.Length).CopyTo(file, at + 64);
        file[at + 66] = type;
        clsid.ToByteArray().CopyTo(file, at + 80);
    }

    public static readonly Guid MsiClsid = new("000C1084-0000-0000-C000-000000000046");
    public static readonly Guid WordClsid = new("00020906-0000-0000-C000-000000000046");

    /// <summary>A multipart/mixed message: a text body and the given attachments, base64 encoded.</summary>
    public static MimeMessage Message(params (string? Name, string MimeType, byte[] Bytes)[] attachments)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("", "a@foreign.test"));
        message.To.Add(new MailboxAddress("", "b@example.test"));
        message.Subject = "sample";
        var mixed = new Multipart("mixed") { new TextPart("plain") { Text = "See attached.\r\n" } };
        foreach (var (name, type, bytes) in attachments) mixed.Add(Attachment(name, type, bytes));
        message.Body = mixed;
        return message;
    }

    public static MimePart Attachment(string? name, string mimeType, byte[] bytes)
    {
        var part = new MimePart(mimeType)
        {
            Content = new MimeContent(new MemoryStream(bytes)),
            ContentTransferEncoding = ContentEncoding.Base64,
        };
        if (name is not null) part.FileName = name;
        return part;
    }

    public static byte[] Bytes(MimeMessage message)
    {
        using var output = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(format, output);
        return output.ToArray();
    }

    public static byte[] Crlf(string text) => Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"));

    public static Task<AttachmentReport> InspectAsync(byte[] message, AttachmentOptions? options = null) =>
        AttachmentInspector.InspectAsync(new MemoryStream(message, writable: false), options ?? new AttachmentOptions(), CancellationToken.None);

    public static Task<AttachmentReport> InspectAsync(MimeMessage message, AttachmentOptions? options = null) => InspectAsync(Bytes(message), options);

    public static MessageContext Context(byte[] message) => new(
        new SessionFacts
        {
            SessionId = "S1",
            ListenerName = "inbound",
            Role = ListenerRole.Inbound,
            RemoteEndPoint = new IPEndPoint(IPAddress.Parse("192.0.2.1"), 40000),
            LocalEndPoint = new IPEndPoint(IPAddress.Parse("198.51.100.1"), 25),
        },
        "Q1", new Sender("a@foreign.test"), [new Recipient("b@example.test")], new MemoryMessageContent(message));
}
