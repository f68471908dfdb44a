using Rampart.Smtp.Session;

namespace Rampart.Smtp.Transport;

/// <summary>
/// What a listener's new connections are served with: the session options (limits, certificate, AUTH, PROXY) and
/// the handler (the policy chain and whatever it holds). Immutable; a reload replaces it whole, never a part.
/// </summary>
public sealed record ListenerRuntime(SmtpSessionOptions Options, ISmtpSessionHandler Handler)
{
    /// <summary>
    /// The runtime in force, and how many connections still use each: a replaced runtime is drained (its task
    /// completes) when its last connection ends. A lock, not a lock-free count: it is taken twice per connection
    /// and once per reload, and it makes "acquired after retirement" impossible to get wrong.
    /// </summary>
    public sealed class Holder(ListenerRuntime first)
    {
        private readonly Lock gate = new();
        private readonly Dictionary<ListenerRuntime, (int Users, TaskCompletionSource Drained)> retired = new(ReferenceEqualityComparer.Instance);
        private ListenerRuntime current = first;
        private int currentUsers;

        public ListenerRuntime Current
        {
            get
            {
                lock (gate) return current;
            }
        }

        public ListenerRuntime Acquire()
        {
            lock (gate)
            {
                currentUsers++;
                return current;
            }
        }

        public void Release(ListenerRuntime runtime)
        {
            lock (gate)
            {
                if (ReferenceEquals(runtime, current))
                {
                    currentUsers--;
                    return;
                }
                var (users, drained) = retired[runtime];
                if (users > 1)
                {
                    retired[runtime] = (users - 1, drained);
                    return;
                }
                retired.Remove(runtime);
                drained.TrySetResult();
            }
        }

        /// <summary>Swaps in <paramref name="next"/>; the task completes when no connection uses the previous one.</summary>
        public Task Replace(ListenerRuntime next)
        {
            lock (gate)
            {
                var previous = current;
                int users = currentUsers;
                current = next;
                currentUsers = 0;
                if (users == 0) return Task.CompletedTask;
                var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                retired[previous] = (users, drained);
                return drained.Task;
            }
        }
    }
}
