using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Rampart.Configuration;
using Rampart.Mail;

namespace Rampart.Service;

/// <summary>
/// Runs the gateway's threads under Linux's SCHED_BATCH policy (sched(7)), unless <c>cpu_scheduling: as_started</c>.
/// </summary>
/// <remarks>
/// A message crosses threads several times: the socket event thread wakes for each read that had to wait and hands the
/// read to a pool worker, the console logger's thread wakes for each line, the group commit's for each sync. Under the
/// default policy a wake-up preempts the thread that is running, so on two cores a relayed message cost about eight
/// involuntary context switches and a fifth of the gateway's CPU went to switching (perf, bench/relay.sh, 4 KiB x 50).
/// SCHED_BATCH keeps the same fair shares but lets the running thread finish its slice: four switches per message, about
/// a sixth less CPU per message and a seventh more messages per second (4-26 % in three A/B pairs, docs/performance.md).
/// An SMTP relay is the workload that policy is for: throughput, with replies measured in milliseconds, not
/// microseconds. Moving from the default policy needs no privilege (systemd's RestrictRealtime forbids only the
/// real-time ones).
/// </remarks>
public static partial class CpuScheduling
{
    private const int SchedOther = 0;
    private const int SchedBatch = 3;
    private const int NoSuchThread = 3; // ESRCH: the thread ended between the listing and the call.

    // A thread inherits its creator's policy (clone(2)), so once every thread is moved every later one starts under
    // batch too. A thread created during a sweep by one not yet moved can be missed by that sweep: sweep again until one
    // moves nothing.
    private const int MaxSweeps = 8;

    /// <summary>
    /// Moves the threads that run under the default policy (SCHED_OTHER) to SCHED_BATCH. A thread under any other policy
    /// (a real-time or idle one the service manager chose) is left as it is: that choice was the administrator's. Never
    /// stops the start: whatever goes wrong (no /proc, a refusal) is a warning and the threads run as they are.
    /// </summary>
    public static void Apply(CpuSchedulingPolicy policy, ILogger logger)
    {
        if (policy != CpuSchedulingPolicy.Batch || !OperatingSystem.IsLinux()) return;
        var moved = new HashSet<int>();
        try
        {
            MoveThreadsToBatch(moved);
            SchedulingLog.CpuSchedulingBatch(logger, moved.Count);
        }
        catch (Exception ex) when (ex is SchedulingRefusedException or IOException or UnauthorizedAccessException
            or DllNotFoundException or EntryPointNotFoundException)
        {
            SchedulingLog.CpuSchedulingRefused(logger, ex.Message, moved.Count);
        }
    }

    private static void MoveThreadsToBatch(HashSet<int> moved)
    {
        for (int sweep = 0; sweep < MaxSweeps; sweep++)
        {
            bool movedAny = false;
            foreach (var threadId in ThreadIds())
            {
                int current = sched_getscheduler(threadId);
                if (current == SchedBatch) moved.Add(threadId);
                if (current != SchedOther) continue;
                var param = new SchedParam();
                if (sched_setscheduler(threadId, SchedBatch, ref param) != 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == NoSuchThread) continue;
                    throw new SchedulingRefusedException(Marshal.GetPInvokeErrorMessage(errno));
                }
                moved.Add(threadId);
                movedAny = true;
            }
            if (!movedAny) return;
        }
    }

    private sealed class SchedulingRefusedException(string message) : Exception(message);

    private static IEnumerable<int> ThreadIds()
    {
        foreach (var path in Directory.EnumerateDirectories("/proc/self/task"))
        {
            if (int.TryParse(Path.GetFileName(path), out int threadId)) yield return threadId;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedParam
    {
        public int Priority;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setscheduler(int pid, int policy, ref SchedParam param);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_getscheduler(int pid);

    private static partial class SchedulingLog
    {
        [LoggerMessage(EventCatalogue.CpuSchedulingBatch, LogLevel.Information,
            "CPU scheduling: the gateway's {Threads} threads run under SCHED_BATCH (cpu_scheduling: batch)")]
        public static partial void CpuSchedulingBatch(ILogger logger, int threads);

        [LoggerMessage(EventCatalogue.CpuSchedulingRefused, LogLevel.Warning,
            "CPU scheduling: cannot move the gateway's threads to SCHED_BATCH ({Reason}); {Moved} run under it, the others as they started")]
        public static partial void CpuSchedulingRefused(ILogger logger, string reason, int moved);
    }
}
