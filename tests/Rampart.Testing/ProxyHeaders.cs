using System.Buffers.Binary;
using System.Net;

namespace Rampart.Testing;

/// <summary>Builds v2 headers byte by byte, as doc/proxy-protocol.txt §2.2 lays them out.</summary>
public static class ProxyHeaders
{
    public static byte[] V2(int versionCommand, int familyTransport, byte[] body)
    {
        var header = new byte[16 + body.Length];
        "\r\n\r\n\0\r\nQUIT\n"u8.CopyTo(header);
        header[12] = (byte)versionCommand;
        header[13] = (byte)familyTransport;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), (ushort)body.Length);
        body.CopyTo(header, 16);
        return header;
    }

    public static byte[] Addresses(string source, string destination, int sourcePort, int destinationPort, params byte[][] tlvs)
    {
        var s = IPAddress.Parse(source).GetAddressBytes();
        var d = IPAddress.Parse(destination).GetAddressBytes();
        var ports = new byte[4];
        BinaryPrimitives.WriteUInt16BigEndian(ports, (ushort)sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(ports.AsSpan(2), (ushort)destinationPort);
        return [.. s, .. d, .. ports, .. tlvs.SelectMany(t => t)];
    }

    public static byte[] Tlv(byte type, byte[] value) => [type, (byte)(value.Length >> 8), (byte)value.Length, .. value];

    /// <summary>PROXY over TCP/IPv4 from source:sourcePort.</summary>
    public static byte[] V2Tcp4(string source, int sourcePort) => V2(0x21, 0x11, Addresses(source, "192.0.2.25", sourcePort, 25));
}
