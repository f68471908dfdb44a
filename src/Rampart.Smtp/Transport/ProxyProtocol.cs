using System.Buffers.Binary;
using System.Net;
using System.Text;
using Rampart.Mail;

namespace Rampart.Smtp.Transport;

/// <summary>
/// What a load balancer's PROXY header says; Source is null when the real connection's address stands (LOCAL,
/// UNKNOWN, AF_UNSPEC). <paramref name="IsLocal"/>: the v2 LOCAL command, the balancer's own connection.
/// </summary>
public sealed record ProxyHeader(IPEndPoint? Source, IPEndPoint? Destination, int Version, bool IsLocal = false);

/// <summary>Every way a PROXY header is refused; each closes the connection without a greeting.</summary>
public enum ProxyHeaderError
{
    /// <summary>A relayed connection whose client address the balancer did not give (v1 UNKNOWN, v2 AF_UNSPEC).</summary>
    UnknownSource,
    None,
    BadSignature,
    LineTooLong,
    MissingCrLf,
    BadSyntax,
    BadAddress,
    BadPort,
    WrongVersion,
    BadCommand,
    BadFamily,
    Truncated,
    BadTlv,
    /// <summary>A v2 header longer than <see cref="ProxyProtocolReader.MaxV2Length"/>.</summary>
    TooLarge,
    Timeout,
}

/// <summary>
/// The HAProxy PROXY protocol, versions 1 (text) and 2 (binary), from haproxy's doc/proxy-protocol.txt.
/// Hand-written: .NET has no maintained parser for it, and the format is small enough to check strictly.
/// Pure functions over bytes; <see cref="ProxyProtocolReader"/> does the socket reads that frame them.
/// </summary>
public static class ProxyProtocol
{
    /// <summary>§2.2: "\r\n\r\n\0\r\nQUIT\n", chosen so that no text protocol starts with it.</summary>
    public static ReadOnlySpan<byte> V2Signature => "\r\n\r\n\0\r\nQUIT\n"u8;

    public static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    /// <summary>§2.1: the longest v1 line, "PROXY UNKNOWN" with two IPv6 addresses and ports, CRLF included.</summary>
    public const int V1MaxLength = 107;

    /// <summary>Signature, version/command, family, and the 16-bit length of what follows.</summary>
    public const int V2FixedLength = 16;

    private const int V2Inet = 12, V2Inet6 = 36, V2Unix = 216;

    /// <summary>Parses one v1 line, CRLF included ("PROXY TCP4 192.0.2.1 198.51.100.1 56324 25\r\n").</summary>
    public static (ProxyHeader? Header, ProxyHeaderError Error) ParseV1(ReadOnlySpan<byte> line)
    {
        if (!line.StartsWith(V1Prefix)) return (null, ProxyHeaderError.BadSignature);
        if (line.Length > V1MaxLength) return (null, ProxyHeaderError.LineTooLong);
        if (line.Length < 2 || line[^2] != (byte)'\r' || line[^1] != (byte)'\n') return (null, ProxyHeaderError.MissingCrLf);
        var text = line[V1Prefix.Length..^2];
        if (text.IndexOfAny((byte)'\r', (byte)'\n') >= 0) return (null, ProxyHeaderError.MissingCrLf);
        // §2.1: with UNKNOWN the receiver ignores the rest of the line and uses the real connection's addresses.
        if (text.SequenceEqual("UNKNOWN"u8) || text.StartsWith("UNKNOWN "u8)) return (new ProxyHeader(null, null, 1), ProxyHeaderError.None);

        // Exactly single spaces: "a  b" yields an empty part, which fails below.
        var parts = Encoding.ASCII.GetString(text).Split(' ');
        if (parts.Length != 5) return (null, ProxyHeaderError.BadSyntax);
        bool v4 = parts[0] == "TCP4";
        if (!v4 && parts[0] != "TCP6") return (null, ProxyHeaderError.BadSyntax);
        var source = ParseV1Address(parts[1], v4);
        var destination = ParseV1Address(parts[2], v4);
        if (source is null || destination is null) return (null, ProxyHeaderError.BadAddress);
        int sourcePort = ParseV1Port(parts[3]), destinationPort = ParseV1Port(parts[4]);
        if (sourcePort < 0 || destinationPort < 0) return (null, ProxyHeaderError.BadPort);
        return (new ProxyHeader(new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort), 1), ProxyHeaderError.None);
    }

    /// <summary>
    /// IPAddress.TryParse takes "10.1", "0x7f.1" and "010.0.0.1" (as 8.0.0.1); the spec wants dotted quads for TCP4
    /// and plain IPv6 (no zone) for TCP6, which is what <see cref="IpSyntax"/> reads.
    /// </summary>
    private static IPAddress? ParseV1Address(string text, bool v4)
    {
        if (!IpSyntax.TryParseAddress(text, out var address)) return null;
        return address.AddressFamily == (v4 ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6) ? address : null;
    }

    /// <summary>§2.1: decimal 0..65535 without leading zeros; -1 when malformed.</summary>
    private static int ParseV1Port(string text)
    {
        if (text.Length is 0 or > 5 || (text.Length > 1 && text[0] == '0')) return -1;
        int port = 0;
        foreach (var b in text)
        {
            if (b is < '0' or > '9') return -1;
            port = port * 10 + (b - '0');
        }
        return port <= 65535 ? port : -1;
    }

    /// <summary>The total v2 header length announced by its first 16 bytes, or an error.</summary>
    public static (int Length, ProxyHeaderError Error) V2Length(ReadOnlySpan<byte> fixedPart)
    {
        if (fixedPart.Length < V2FixedLength) return (0, ProxyHeaderError.Truncated);
        if (!fixedPart.StartsWith(V2Signature)) return (0, ProxyHeaderError.BadSignature);
        if (fixedPart[12] >> 4 != 2) return (0, ProxyHeaderError.WrongVersion);
        return (V2FixedLength + BinaryPrimitives.ReadUInt16BigEndian(fixedPart[14..16]), ProxyHeaderError.None);
    }

    /// <summary>Parses one whole v2 header: the 16 fixed bytes and the announced length, no more.</summary>
    public static (ProxyHeader? Header, ProxyHeaderError Error) ParseV2(ReadOnlySpan<byte> header)
    {
        var (length, error) = V2Length(header);
        if (error != ProxyHeaderError.None) return (null, error);
        if (header.Length < length) return (null, ProxyHeaderError.Truncated);
        if (header.Length > length) return (null, ProxyHeaderError.BadSyntax);
        switch (header[12] & 0x0F)
        {
            case 0:
                // LOCAL: the proxy's own connection (a health check); §2.2 says to discard the address block,
                // family included, and keep the real addresses.
                return (new ProxyHeader(null, null, 2, IsLocal: true), ProxyHeaderError.None);
            case 1:
                break;
            default:
                return (null, ProxyHeaderError.BadCommand);
        }
        int family = header[13] >> 4, transport = header[13] & 0x0F;
        var body = header[V2FixedLength..];
        int addressLength = family switch { 0 => 0, 1 => V2Inet, 2 => V2Inet6, 3 => V2Unix, _ => -1 };
        if (addressLength < 0 || transport > 2) return (null, ProxyHeaderError.BadFamily);
        if (body.Length < addressLength) return (null, ProxyHeaderError.Truncated);
        // §2.2.7 TLVs follow the addresses; none changes the client address, but they must tile the rest exactly.
        var tlvs = body[addressLength..];
        while (!tlvs.IsEmpty)
        {
            if (tlvs.Length < 3) return (null, ProxyHeaderError.BadTlv);
            int tlvLength = 3 + BinaryPrimitives.ReadUInt16BigEndian(tlvs[1..3]);
            if (tlvs.Length < tlvLength) return (null, ProxyHeaderError.BadTlv);
            tlvs = tlvs[tlvLength..];
        }
        // AF_UNSPEC and AF_UNIX carry no IP client: the receiver uses the real connection's address.
        if (family is 0 or 3) return (new ProxyHeader(null, null, 2), ProxyHeaderError.None);
        // An SMTP listener is a stream: a DGRAM (or unspecified) transport with IP addresses is not ours.
        if (transport != 1) return (null, ProxyHeaderError.BadFamily);
        int size = family == 1 ? 4 : 16;
        var source = new IPAddress(body[..size]);
        var destination = new IPAddress(body[size..(2 * size)]);
        int sourcePort = BinaryPrimitives.ReadUInt16BigEndian(body[(2 * size)..]);
        int destinationPort = BinaryPrimitives.ReadUInt16BigEndian(body[(2 * size + 2)..]);
        return (new ProxyHeader(new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort), 2), ProxyHeaderError.None);
    }
}
