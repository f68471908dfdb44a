namespace Rampart.Policy.Recipients;

/// <summary>What one source knows about an address.</summary>
public enum RecipientLookup
{
    /// <summary>The mailbox exists.</summary>
    Known,

    /// <summary>The source is sure it does not exist (here).</summary>
    Unknown,

    /// <summary>The source could not answer (down, timed out, broken): never a reason for a 5xx.</summary>
    Unavailable,
}

/// <summary>The one-method seam to a recipient list, a directory or a callout.</summary>
public interface IRecipientSource
{
    /// <summary>Shown in logs.</summary>
    string Name { get; }

    /// <summary>Looks up a full address (local@domain). Failures are <see cref="RecipientLookup.Unavailable"/>, not exceptions.</summary>
    ValueTask<RecipientLookup> LookupAsync(string address, CancellationToken ct);
}
