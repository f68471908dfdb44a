using System.IO.Compression;
using System.Text;
using Rampart.Testing.Processes;

namespace Rampart.Policy.Tests.Antivirus;

/// <summary>Messages as they arrive at DATA, built byte for byte so every encoding detail is the test's choice.</summary>
internal static class Samples
{
    public static byte[] EicarBytes => Encoding.ASCII.GetBytes(ClamdServer.Eicar);

    public static readonly string[] Infected =
    [
        "plain", "base64-76", "base64-64", "base64-61", "base64-7", "quoted-printable", "zip", "nested-zip", "attached-message", "custom-marker",
    ];

    public static byte[] Get(string name) => Encoding.ASCII.GetBytes(name switch
    {
        "plain" => Mail(Part("text/plain; name=\"eicar.com\"", "7bit", ClamdServer.Eicar)),
        "base64-76" => Mail(Attachment("eicar.com", EicarBytes, 76)),
        "base64-64" => Mail(Attachment("eicar.com", EicarBytes, 64)),
        "base64-61" => Mail(Attachment("eicar.com", EicarBytes, 61)),
        "base64-7" => Mail(Attachment("eicar.com", EicarBytes, 7)),
        // A soft line break inside the signature and '$' as =24: only a decoder sees the signature whole.
        "quoted-printable" => Mail(Part("text/plain; name=\"eicar.txt\"", "quoted-printable",
            ClamdServer.Eicar[..40].Replace("$", "=24") + "=\r\n" + ClamdServer.Eicar[40..].Replace("$", "=24"))),
        "zip" => Mail(Attachment("eicar.zip", Zip("eicar.com", EicarBytes), 76)),
        "nested-zip" => Mail(Attachment("outer.zip", Zip("inner.zip", Zip("eicar.com", EicarBytes)), 76)),
        "attached-message" => Mail(Part("message/rfc822", "7bit", Mail(Attachment("eicar.com", EicarBytes, 76)))),
        "custom-marker" => Mail(Attachment("report.bin", Encoding.ASCII.GetBytes($"header {ClamdServer.CustomMarker} trailer"), 76)),
        "clean" => Clean(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    });

    public static string Clean(string text = "Hello Bob,\r\nthe quarterly figures are attached.\r\n") =>
        Mail(Attachment("figures.csv", Encoding.ASCII.GetBytes("quarter,revenue\r\nQ1,100\r\nQ2,120\r\n"), 76), text);

    public static string Mail(string attachment, string text = "See the attachment.\r\n") => $"""
        From: Alice <alice@foreign.test>
        To: Bob <bob@example.test>
        Subject: sample
        Message-ID: <{Guid.NewGuid():N}@foreign.test>
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="b1"

        --b1
        Content-Type: text/plain; charset=us-ascii

        {text}
        --b1
        {attachment}
        --b1--

        """.Replace("\r\n", "\n").Replace("\n", "\r\n");

    public static string Part(string contentType, string encoding, string body) =>
        $"Content-Type: {contentType}\r\nContent-Transfer-Encoding: {encoding}\r\nContent-Disposition: attachment\r\n\r\n{body}\r\n";

    public static string Attachment(string fileName, byte[] content, int lineLength)
    {
        var base64 = Convert.ToBase64String(content);
        var lines = Enumerable.Range(0, (base64.Length + lineLength - 1) / lineLength)
            .Select(i => base64.Substring(i * lineLength, Math.Min(lineLength, base64.Length - i * lineLength)));
        return $"Content-Type: application/octet-stream; name=\"{fileName}\"\r\nContent-Transfer-Encoding: base64\r\n" +
            $"Content-Disposition: attachment; filename=\"{fileName}\"\r\n\r\n{string.Join("\r\n", lines)}\r\n";
    }

    public static byte[] Zip(string entryName, byte[] content)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = zip.CreateEntry(entryName, CompressionLevel.Optimal).Open();
            entry.Write(content);
        }
        return output.ToArray();
    }
}

internal static class ScanAssert
{
    /// <summary>Assert.IsType, with the whole result (a Failed's reason) in the failure message.</summary>
    public static T Is<T>(Rampart.Policy.Antivirus.ScanResult result) where T : Rampart.Policy.Antivirus.ScanResult
    {
        Assert.True(result is T, $"expected {typeof(T).Name}, got {result}");
        return (T)result;
    }
}
