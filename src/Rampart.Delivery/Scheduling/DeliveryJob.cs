using Rampart.Queue;

namespace Rampart.Delivery.Scheduling;

/// <summary>The recipients of one message that go to one destination, and the promise of their outcomes.</summary>
internal sealed class DeliveryJob(QueuedMessage message, IReadOnlyList<int> recipients)
{
    private readonly TaskCompletionSource<IReadOnlyList<RecipientOutcome>> done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public QueuedMessage Message => message;
    public IReadOnlyList<int> Recipients => recipients;
    public Task<IReadOnlyList<RecipientOutcome>> Outcomes => done.Task;

    public void Complete(IReadOnlyList<RecipientOutcome> outcomes) => done.TrySetResult(outcomes);

    /// <summary>Every recipient gets the same outcome: a destination down, a connection lost, a stop.</summary>
    public void CompleteAll(RecipientOutcome outcome) => done.TrySetResult(recipients.Select(_ => outcome).ToArray());
}
