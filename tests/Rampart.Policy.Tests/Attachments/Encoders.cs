using System.Text;

namespace Rampart.Policy.Tests.Attachments;

/// <summary>Old encodings built by hand, so the tests do not depend on the code under test to produce them.</summary>
internal static class Encoders
{
    /// <summary>POSIX uuencode: 45 bytes a line, each 6 bits + 0x20 (0 written as '`').</summary>
    public static string Uuencode(string name, byte[] data)
    {
        var text = new StringBuilder($"begin 644 {name}\n");
        for (var at = 0; at < data.Length; at += 45)
        {
            var line = data.AsSpan(at, Math.Min(45, data.Length - at));
            text.Append(Char(line.Length));
            for (var i = 0; i < line.Length; i += 3)
            {
                int b0 = line[i], b1 = i + 1 < line.Length ? line[i + 1] : 0, b2 = i + 2 < line.Length ? line[i + 2] : 0;
                text.Append(Char(b0 >> 2)).Append(Char(((b0 << 4) | (b1 >> 4)) & 63)).Append(Char(((b1 << 2) | (b2 >> 6)) & 63)).Append(Char(b2 & 63));
            }
            text.Append('\n');
        }
        return text.Append("`\nend\n").ToString();

        static char Char(int value) => value == 0 ? '`' : (char)(value + 32);
    }

    /// <summary>
    /// A TNEF stream ([MS-OXTNEF] §2.1.3): signature, key, attVersion, then one attachment (attAttachRendData,
    /// attAttachTitle, attAttachData), each attribute with its level, id, length, data and checksum.
    /// </summary>
    public static byte[] Tnef(string fileName, byte[] data)
    {
        using var output = new MemoryStream();
        using var writer = new BinaryWriter(output);
        writer.Write(0x223E9F78u);
        writer.Write((ushort)0x0001);
        Attribute(writer, 1, 0x00089006, BitConverter.GetBytes(0x00010000));
        var render = new byte[14];
        BitConverter.GetBytes((ushort)1).CopyTo(render, 0);
        BitConverter.GetBytes(0xFFFFFFFFu).CopyTo(render, 2);
        Attribute(writer, 2, 0x00069002, render);
        Attribute(writer, 2, 0x00018010, Encoding.ASCII.GetBytes(fileName + "\0"));
        Attribute(writer, 2, 0x0006800F, data);
        writer.Flush();
        return output.ToArray();
    }

    private static void Attribute(BinaryWriter writer, byte level, uint id, byte[] data)
    {
        writer.Write(level);
        writer.Write(id);
        writer.Write((uint)data.Length);
        writer.Write(data);
        writer.Write((ushort)data.Sum(b => b));
    }
}
