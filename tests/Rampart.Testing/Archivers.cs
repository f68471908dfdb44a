using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using Rampart.Testing.Processes;
using Xunit;

namespace Rampart.Testing;

/// <summary>
/// Archives in the formats the attachment filter opens or refuses, made at test time for the filter's own tests and
/// the end-to-end ones: tar and gzip by the platform,
/// 7z by p7zip's 7z and cab by gcab (both in scripts/install-test-deps.sh), stubs and lies by hand. No rar: no
/// program that writes one is free to install here (rar itself is non-free); a RAR signature is enough for a format
/// that is not opened.
/// </summary>
public static class Archivers
{
    public const string Hint = "apt-get install p7zip-full gcab zip (scripts/install-test-deps.sh)";

    public static byte[] Tar(params (string Name, byte[] Bytes)[] entries)
    {
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, bytes) in entries) writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes) });
        }
        return output.ToArray();
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(bytes);
        return output.ToArray();
    }

    /// <summary>A gzip of <paramref name="size"/> zero bytes, written without holding them.</summary>
    public static byte[] GzipZeros(long size)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            var chunk = new byte[1024 * 1024];
            for (long written = 0; written < size; written += chunk.Length) gzip.Write(chunk, 0, (int)Math.Min(chunk.Length, size - written));
        }
        return output.ToArray();
    }

    /// <summary>A 7z made by p7zip from the given files; <paramref name="switches"/> such as "-mhc=off" or "-ppw".</summary>
    public static byte[] SevenZip(IEnumerable<string> switches, params (string Name, byte[] Bytes)[] entries) =>
        Make("7z", entries, "archive.7z", dir => ["a", "-bd", "-y", .. switches, "archive.7z", .. entries.Select(e => e.Name)]);

    public static byte[] SevenZip(params (string Name, byte[] Bytes)[] entries) => SevenZip([], entries);

    /// <summary>A cabinet made by gcab (MS-ZIP compressed).</summary>
    public static byte[] Cab(params (string Name, byte[] Bytes)[] entries) =>
        Make("gcab", entries, "archive.cab", dir => ["-c", "-z", "archive.cab", .. entries.Select(e => e.Name)]);

    /// <summary>A self-extractor as zip -A leaves it: a program, then a zip whose offsets were adjusted to count it.</summary>
    public static byte[] AdjustedSfx(byte[] stub, byte[] zip)
    {
        using var temp = new TempDirectory("rampart-sfx");
        File.WriteAllBytes(temp.File("sfx.exe"), [.. stub, .. zip]);
        Run("zip", temp.Path, ["-q", "-A", "sfx.exe"]);
        return File.ReadAllBytes(temp.File("sfx.exe"));
    }

    private static byte[] Make(string tool, (string Name, byte[] Bytes)[] entries, string output, Func<string, string[]> arguments)
    {
        using var temp = new TempDirectory("rampart-archive");
        foreach (var (name, bytes) in entries) File.WriteAllBytes(temp.File(name), bytes);
        Run(tool, temp.Path, arguments(temp.Path));
        return File.ReadAllBytes(temp.File(output));
    }

    private static void Run(string tool, string directory, string[] arguments)
    {
        var start = new ProcessStartInfo(RequiredTool.Find(tool, Hint), arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000)) process.Kill(entireProcessTree: true);
        Assert.True(process.ExitCode == 0, $"{tool} failed: {stdout.Result} {stderr.Result}");
    }
}
