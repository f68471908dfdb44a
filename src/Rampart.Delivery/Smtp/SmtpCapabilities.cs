using System.Globalization;
using Rampart.Mail;

namespace Rampart.Delivery.Smtp;

/// <summary>What the next hop offered in its EHLO reply.</summary>
public sealed record SmtpCapabilities(
    bool Pipelining, long? MaxSize, bool EightBitMime, bool BinaryMime, bool SmtpUtf8, bool Chunking, bool Dsn, bool StartTls)
{
    /// <summary>SIZE was offered (RFC 1870), with or without a limit: then MAIL carries SIZE=.</summary>
    public bool Size { get; init; }

    /// <summary>REQUIRETLS was offered (RFC 8689 §4.2.1 step 3: a REQUIRETLS message goes only to such a host).</summary>
    public bool RequireTls { get; init; }

    /// <summary>HELO only, or EHLO refused: plain RFC 5321 without any extension.</summary>
    public static SmtpCapabilities None { get; } = new(false, null, false, false, false, false, false, false);

    /// <summary>
    /// Reads the keywords of a 250 EHLO reply (RFC 5321 §4.1.1.1: the first line is the server's name, each
    /// further line one keyword and its parameters). Keywords are case-insensitive; unknown ones are ignored.
    /// </summary>
    public static SmtpCapabilities Parse(SmtpReply ehlo)
    {
        var caps = None;
        foreach (var line in ehlo.Lines.Skip(1))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) continue;
            caps = parts[0].ToUpperInvariant() switch
            {
                "PIPELINING" => caps with { Pipelining = true },
                // RFC 1870 §4: "SIZE 0" or a bare SIZE means no fixed limit.
                "SIZE" => caps with
                {
                    Size = true,
                    MaxSize = parts.Length > 1 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var max) && max > 0 ? max : null,
                },
                "8BITMIME" => caps with { EightBitMime = true },
                "BINARYMIME" => caps with { BinaryMime = true },
                "SMTPUTF8" => caps with { SmtpUtf8 = true },
                "CHUNKING" => caps with { Chunking = true },
                "DSN" => caps with { Dsn = true },
                "STARTTLS" => caps with { StartTls = true },
                "REQUIRETLS" => caps with { RequireTls = true },
                _ => caps,
            };
        }
        return caps;
    }
}
