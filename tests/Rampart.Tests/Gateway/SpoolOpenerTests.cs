using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Gateway;
using Rampart.Queue;
using Rampart.Testing;

namespace Rampart.Tests.Gateway;

/// <summary>
/// While start-up recovery reads the spool, a message's spool file is not opened: recovery removes what it finds in
/// incoming/, so a file made meanwhile would be taken for the debris of a crash.
/// </summary>
public sealed class SpoolOpenerTests : IDisposable
{
    private readonly TempDirectory temp = new("rampart-spool-opener");

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task No_spool_file_is_made_until_the_spool_has_been_read()
    {
        using var queue = new QueueStore(temp.Path, NullLogger.Instance);
        var gate = new SpoolGate();
        var opener = new SpoolOpener(queue, gate, TimeProvider.System);

        var opening = opener.OpenAsync(CancellationToken.None).AsTask();
        await Task.Delay(200);
        Assert.False(opening.IsCompleted);
        Assert.Empty(Directory.GetFileSystemEntries(queue.Incoming));

        gate.Open();
        await using var sink = await opening.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Single(Directory.GetFileSystemEntries(queue.Incoming));
    }

    [Fact]
    public async Task A_failed_recovery_fails_the_opening_as_a_spool_error()
    {
        using var queue = new QueueStore(temp.Path, NullLogger.Instance);
        var gate = new SpoolGate();
        var opener = new SpoolOpener(queue, gate, TimeProvider.System);

        var opening = opener.OpenAsync(CancellationToken.None).AsTask();
        gate.Fail(new InvalidOperationException("disk gone"));

        await Assert.ThrowsAsync<IOException>(() => opening.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Empty(Directory.GetFileSystemEntries(queue.Incoming));
    }
}
