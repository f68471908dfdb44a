namespace Rampart.Policy.Scoring;

/// <summary>
/// The spam confidence level, 0–9 as Exchange's SCL: a coarse scale that thresholds and mail clients can share whatever
/// the weights add up to. -1, as in Exchange, is mail that skipped the verdict (a safe sender).
/// </summary>
public static class Scl
{
    /// <summary>SCL of a message the spam verdict did not judge (Exchange: "bypassed spam filtering").</summary>
    public const int Bypassed = -1;

    /// <summary>
    /// The lowest score of each level 1..9 (level 0 is everything below 1, negative scores included). Chosen so that
    /// Rspamd's own stock actions land where Exchange puts them: its "add header" score 5 is SCL 5 (Exchange: spam,
    /// junk folder from 5), its "reject" score 15 is SCL 9 (Exchange: high confidence spam), and a single weak
    /// symbol (1–2 points) stays at 1–2 (Exchange: not spam).
    /// </summary>
    public static readonly IReadOnlyList<double> LowestScore = [1, 2, 3, 4, 5, 7, 9, 12, 15];

    public static int Of(double score)
    {
        int level = 0;
        while (level < LowestScore.Count && score >= LowestScore[level]) level++;
        return level;
    }

    /// <summary>The lowest score at or above which a message has SCL <paramref name="level"/> (1..9); 0 has none.</summary>
    public static double ScoreFor(int level) => level <= 0 ? double.NegativeInfinity : LowestScore[Math.Min(level, 9) - 1];
}
