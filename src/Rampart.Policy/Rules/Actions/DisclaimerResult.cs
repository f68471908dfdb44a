namespace Rampart.Policy.Rules.Actions;

/// <summary>What <see cref="Disclaimer.AppendAsync"/> did; every outcome but <see cref="Appended"/> leaves the message as it was.</summary>
public enum DisclaimerOutcome
{
    /// <summary>The disclaimer is in every body text part (or, for a lone attachment, in a part of its own).</summary>
    Appended,

    /// <summary>Signed or encrypted (multipart/signed, multipart/encrypted, application/pkcs7-mime): a change would break it.</summary>
    Sealed,

    /// <summary>No text/plain or text/html body part to append to, and nothing this writer wraps.</summary>
    NoBodyText,

    /// <summary>The message with the disclaimer would be larger than the listener's max_message_size.</summary>
    TooLarge,

    /// <summary>The MIME structure could not be read; nothing was changed.</summary>
    Unreadable,
}

/// <param name="PartsChanged">Body parts the disclaimer went into.</param>
/// <param name="PartsLeft">Body parts left as they were: an unknown charset, bytes that are not the charset's, inline PGP.</param>
/// <param name="Detail">For the caller's log line.</param>
public sealed record DisclaimerResult(DisclaimerOutcome Outcome, int PartsChanged, int PartsLeft, string Detail)
{
    public bool Changed => Outcome == DisclaimerOutcome.Appended;
}
