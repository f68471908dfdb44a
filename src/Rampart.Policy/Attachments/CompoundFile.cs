using System.Buffers.Binary;
using System.Text;

namespace Rampart.Policy.Attachments;

/// <summary>
/// Just enough of the OLE compound file format ([MS-CFB]) to tell an MSI from an Office document and to see VBA
/// macros: the root entry's CLSID and the names of the directory entries. Every chain walk is bounded by the
/// number of sectors in the file, so a looping FAT ends.
/// </summary>
public static class CompoundFile
{
    /// <summary>Windows Installer packages: root storage CLSID {000C1084-0000-0000-C000-000000000046}.</summary>
    private static readonly Guid MsiClsid = new("000C1084-0000-0000-C000-000000000046");

    private const uint EndOfChain = 0xFFFFFFFE;
    private const int HeaderSize = 512;

    /// <summary>
    /// "msi", "ole-macro" (a "_VBA_PROJECT", "_VBA_PROJECT_CUR", "VBA" or "Macros" entry: Office VBA projects,
    /// [MS-OVBA] §2.2) or "ole". Throws <see cref="InvalidDataException"/> when the structure cannot be read.
    /// </summary>
    public static string Classify(Stream file)
    {
        var header = ReadAt(file, 0, HeaderSize);
        var shift = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x1E));
        if (shift is not (9 or 12)) throw new InvalidDataException("CFB: bad sector size");
        var sectorSize = 1 << shift;
        // The header fills sector -1: sector n starts at (n + 1) * sector size, 512 or 4096 ([MS-CFB] §2.2).
        var sectorCount = file.Length / sectorSize - 1;
        var fatSectors = ReadFatSectorList(file, header, sectorSize, sectorCount);
        var directorySector = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(0x30));
        var macros = false;
        var isMsi = false;
        for (long walked = 0; directorySector != EndOfChain; walked++)
        {
            if (walked > sectorCount || directorySector >= sectorCount) throw new InvalidDataException("CFB: directory chain broken");
            var sector = ReadAt(file, ((long)directorySector + 1) * sectorSize, sectorSize);
            for (var entry = 0; entry < sectorSize / 128; entry++)
            {
                var raw = sector.AsSpan(entry * 128, 128);
                var type = raw[66];
                if (type == 0) continue;
                if (walked == 0 && entry == 0) isMsi = type == 5 && new Guid(raw.Slice(80, 16)) == MsiClsid;
                var nameLength = Math.Clamp(BinaryPrimitives.ReadUInt16LittleEndian(raw[64..]), (ushort)0, (ushort)64);
                var name = Encoding.Unicode.GetString(raw[..nameLength]).TrimEnd('\0');
                macros |= name.Equals("_VBA_PROJECT", StringComparison.OrdinalIgnoreCase) || name.Equals("_VBA_PROJECT_CUR", StringComparison.OrdinalIgnoreCase)
                    || (type == 1 && (name.Equals("VBA", StringComparison.OrdinalIgnoreCase) || name.Equals("Macros", StringComparison.OrdinalIgnoreCase)));
            }
            directorySector = NextSector(file, fatSectors, directorySector, sectorSize);
        }
        return isMsi ? "msi" : macros ? "ole-macro" : "ole";
    }

    /// <summary>The FAT sector numbers: 109 in the header, the rest in the DIFAT chain ([MS-CFB] §2.5).</summary>
    private static List<uint> ReadFatSectorList(Stream file, byte[] header, int sectorSize, long sectorCount)
    {
        var list = new List<uint>();
        var fatCount = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(0x2C));
        if (fatCount > sectorCount) throw new InvalidDataException("CFB: FAT larger than the file");
        for (var i = 0; i < 109 && list.Count < fatCount; i++) list.Add(BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(0x4C + i * 4)));
        var difat = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(0x44));
        for (long walked = 0; list.Count < fatCount && difat != EndOfChain; walked++)
        {
            if (walked > sectorCount || difat >= sectorCount) throw new InvalidDataException("CFB: DIFAT chain broken");
            var sector = ReadAt(file, ((long)difat + 1) * sectorSize, sectorSize);
            for (var i = 0; i < sectorSize / 4 - 1 && list.Count < fatCount; i++) list.Add(BinaryPrimitives.ReadUInt32LittleEndian(sector.AsSpan(i * 4)));
            difat = BinaryPrimitives.ReadUInt32LittleEndian(sector.AsSpan(sectorSize - 4));
        }
        return list;
    }

    private static uint NextSector(Stream file, List<uint> fatSectors, uint sector, int sectorSize)
    {
        var perSector = sectorSize / 4;
        var index = sector / perSector;
        if (index >= fatSectors.Count) throw new InvalidDataException("CFB: sector outside the FAT");
        var entry = ReadAt(file, ((long)fatSectors[(int)index] + 1) * sectorSize + sector % perSector * 4, 4);
        return BinaryPrimitives.ReadUInt32LittleEndian(entry);
    }

    private static byte[] ReadAt(Stream file, long offset, int count)
    {
        if (offset < 0 || offset + count > file.Length) throw new InvalidDataException("CFB: read past the end");
        var buffer = new byte[count];
        file.Position = offset;
        file.ReadExactly(buffer);
        return buffer;
    }
}
