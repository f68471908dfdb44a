using Rampart.Mail;

namespace Rampart.Queue;

/// <summary>What one delivery attempt did for one recipient, with the next hop's reply kept for tracking.</summary>
public sealed record RecipientOutcome(RecipientStatus Status, string Detail, DateTimeOffset At)
{
    public bool IsFinal => Status is RecipientStatus.Delivered or RecipientStatus.PermanentFailure;

    internal string Format(int index) =>
        $"{index}\t{Status}\t{At.ToUnixTimeMilliseconds()}\t{Detail.Replace('\n', ' ').Replace('\r', ' ').Replace('\t', ' ')}";

    internal static bool TryParse(string line, out int index, out RecipientOutcome outcome)
    {
        outcome = null!;
        var parts = line.Split('\t', 4);
        if (parts.Length != 4 || !int.TryParse(parts[0], out index) || !Enum.TryParse<RecipientStatus>(parts[1], out var status)
            || !long.TryParse(parts[2], out var ms))
        {
            index = -1;
            return false;
        }
        outcome = new RecipientOutcome(status, parts[3], DateTimeOffset.FromUnixTimeMilliseconds(ms));
        return true;
    }
}
