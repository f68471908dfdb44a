using System.Diagnostics;
using Rampart.Testing;

namespace Rampart.Queue.Tests;

/// <summary>
/// A small ext4 made in an image file and mounted through a loop device for one test (mkfs.ext4 and mount, as root): a
/// file system of a known kind whatever the machine's own, with or without its journal.
/// </summary>
internal sealed class LoopFileSystem : IDisposable
{
    private readonly TempDirectory temp = new("rampart-loopfs");
    private bool mounted;

    public LoopFileSystem(bool journal)
    {
        var image = temp.File("fs.img");
        using (var file = File.Create(image)) file.SetLength(32 * 1024 * 1024);
        Path = temp.File("mnt");
        Directory.CreateDirectory(Path);
        Run("mkfs.ext4", "-q", "-F", "-O", journal ? "has_journal" : "^has_journal", image);
        Run("mount", "-o", "loop", image, Path);
        mounted = true;
    }

    public string Path { get; }

    private static void Run(string program, params string[] arguments)
    {
        // mkfs.ext4, mount and umount live in /sbin or /usr/sbin, which a non-login PATH may lack.
        var path = new[] { "/usr/sbin", "/sbin", "/usr/bin", "/bin" }.Select(d => System.IO.Path.Combine(d, program)).FirstOrDefault(File.Exists) ?? program;
        var start = new ProcessStartInfo(path) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(60_000)) process.Kill();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed: {error.Result.Trim()}");
    }

    public void Dispose()
    {
        if (mounted) Run("umount", Path);
        temp.Dispose();
    }
}
