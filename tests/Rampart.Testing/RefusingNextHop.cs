using System.Net.Sockets;
using System.Text;

namespace Rampart.Testing;

/// <summary>
/// A scripted next hop that takes MAIL and answers every RCPT with a refusal the test chooses, byte for byte: real
/// MTAs never send the hostile replies (ESC, bidi controls, over-long words) that logs and notices must survive.
/// It offers SMTPUTF8, so notices of international mail are exercised too.
/// </summary>
public static class RefusingNextHop
{
    /// <summary>Serves connections on <paramref name="listener"/> until <paramref name="ct"/> is cancelled.</summary>
    public static async Task ServeAsync(TcpListener listener, string refusal, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(ct);
                var stream = client.GetStream();
                var reader = new StreamReader(stream, Encoding.UTF8);
                async Task Say(string text) => await stream.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
                await Say("220 hop.test ESMTP\r\n");
                while (await reader.ReadLineAsync(ct) is { } line)
                {
                    var verb = line.Split(' ')[0].ToUpperInvariant();
                    if (verb == "QUIT")
                    {
                        await Say("221 2.0.0 bye\r\n");
                        break;
                    }
                    await Say(verb switch
                    {
                        "EHLO" => "250-hop.test\r\n250 SMTPUTF8\r\n",
                        "HELO" => "250 hop.test\r\n",
                        "RCPT" => refusal,
                        "DATA" => "554 5.5.1 no valid recipients\r\n",
                        _ => "250 2.0.0 ok\r\n",
                    });
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
        {
            // The test is over, or the gateway hung up.
        }
    }
}
