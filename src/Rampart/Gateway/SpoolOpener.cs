using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Gateway;

/// <summary>Opens the spool file a message is received into, under a new queue id, when DATA or the first BDAT starts.</summary>
internal sealed class SpoolOpener(QueueStore queue, TimeProvider clock)
{
    public QueueSink Open() => new(queue.CreateWriter(QueueId.New(clock)));
}
