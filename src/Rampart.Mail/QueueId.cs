using System.Security.Cryptography;

namespace Rampart.Mail;

/// <summary>
/// A message's identity from acceptance to delivery. 26 characters of Crockford base32: 48 bits of
/// milliseconds since the Unix epoch then 80 bits that start random in each process and count up.
/// The random start makes ids unique across nodes and restarts without coordination (the ULID
/// scheme); counting up keeps them unique and sortable by arrival within one process even when the
/// clock stands still or steps back.
/// </summary>
public readonly record struct QueueId(string Value)
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static readonly object Gate = new();
    private static long lastMillis;
    private static UInt128 counter = RandomStart();

    public override string ToString() => Value;

    public static QueueId New(TimeProvider? clock = null)
    {
        long millis = (clock ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds();
        UInt128 random;
        lock (Gate)
        {
            if (millis <= lastMillis)
            {
                millis = lastMillis;
                counter++;
            }
            else
            {
                lastMillis = millis;
                counter = RandomStart();
            }
            random = counter;
        }
        Span<char> chars = stackalloc char[26];
        UInt128 value = ((UInt128)(ulong)millis << 80) | (random & ((UInt128.One << 80) - 1));
        for (int i = 25; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
        return new QueueId(new string(chars));
    }

    public static bool TryParse(string? text, out QueueId id)
    {
        id = default;
        if (text is null || text.Length != 26) return false;
        foreach (char c in text)
        {
            if (!Alphabet.Contains(c)) return false;
        }
        id = new QueueId(text);
        return true;
    }

    /// <summary>Starts low in the 80-bit space (top bit clear) so that counting up never wraps.</summary>
    private static UInt128 RandomStart()
    {
        Span<byte> bytes = stackalloc byte[10];
        RandomNumberGenerator.Fill(bytes);
        bytes[0] &= 0x7F;
        UInt128 value = 0;
        foreach (byte b in bytes) value = (value << 8) | b;
        return value;
    }
}
