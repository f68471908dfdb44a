using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Gateway;

/// <summary>
/// Opens the spool file a message is received into, under a new queue id, when DATA or the first BDAT starts; during
/// the start-up's recovery, once the spool has been read (<see cref="SpoolGate"/>).
/// </summary>
internal sealed class SpoolOpener(QueueStore queue, SpoolGate gate, TimeProvider clock)
{
    public async ValueTask<QueueSink> OpenAsync(CancellationToken ct)
    {
        if (!gate.IsOpen) await gate.WaitAsync(ct);
        return new(queue.CreateWriter(QueueId.New(clock)));
    }
}
