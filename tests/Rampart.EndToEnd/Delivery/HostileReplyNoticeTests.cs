using System.Net;
using System.Net.Sockets;
using System.Text;
using MimeKit;
using Rampart.Testing;
using static Rampart.EndToEnd.Delivery.DeliveryHarness;

namespace Rampart.EndToEnd.Delivery;

/// <summary>
/// A next hop is outside text too: its refusal reaches the sender's notice (Diagnostic-Code and the human-readable
/// part) with no ESC sequence, C1 control or bidi character, and within the line limit, in the plain and in the
/// international (SMTPUTF8, RFC 6533) notice. The notice is read from the drop folder it was delivered to.
/// </summary>
public sealed class HostileReplyNoticeTests
{
    private const string Hostile = "550 5.1.1 <bob@example.test>: \u001b[31mred\u202Eresu\u0085user\u2066 \u001b]0;owned\u0007";

    [Theory]
    [InlineData("")]
    [InlineData(" SMTPUTF8")]
    public async Task The_notice_quotes_a_hostile_reply_printable_only(string mailFromParameters)
    {
        using var hop = new TcpListener(IPAddress.Loopback, 0);
        hop.Start();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var serving = RefusingNextHop.ServeAsync(hop, Hostile + " " + new string('x', 1500) + "\r\n", stop.Token);
        var port = ((IPEndPoint)hop.LocalEndpoint).Port;
        await using var gateway = await StartAsync($"{{transport: smtp, hosts: [\"127.0.0.1:{port}\"]}}");

        await SendAsync(gateway, "to a hostile hop", mailFromParameters, "bob@example.test");

        var file = Assert.Single(await gateway.WaitForDropAsync(1, "drop", TimeSpan.FromSeconds(30)));
        var bytes = await File.ReadAllBytesAsync(file);
        foreach (var line in Encoding.UTF8.GetString(bytes).Split("\r\n"))
        {
            Assert.True(Encoding.UTF8.GetByteCount(line) <= 998, $"a line of {line.Length} characters");
        }
        var notice = MimeMessage.Load(new MemoryStream(bytes));
        var parts = Assert.IsType<MultipartReport>(notice.Body).Take(2).Cast<MimePart>().Select(Decoded).ToList();
        Assert.Contains(" ?[31mred?resu?user? ?]0;owned?", parts[0], StringComparison.Ordinal);
        Assert.Contains("Diagnostic-Code: smtp; 550 5.1.1 <bob@example.test>: ?[31mred?resu?user?", parts[1], StringComparison.Ordinal);
        Assert.All(parts, text => Assert.DoesNotContain(text, IsUnsafe));
        await stop.CancelAsync();
        await serving;
    }

    private static string Decoded(MimePart part)
    {
        using var output = new MemoryStream();
        part.Content!.DecodeTo(output);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    private static bool IsUnsafe(char c) =>
        c is (< ' ' and not '\r' and not '\n') or (>= '\u007f' and <= '\u009f') or '\u061c' or '\u200e' or '\u200f'
            or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069') or '\u2028' or '\u2029';
}
