using Rampart.Mail;

namespace Rampart.Policy.SendAs;

/// <summary>The addresses each user may send as; the user store answers it (the one-method seam).</summary>
public interface ISendAsDirectory
{
    /// <summary>Addresses, or "@domain" for any address in a domain; empty for an unknown user.</summary>
    IReadOnlyList<string> AddressesOf(string user);
}

/// <summary>
/// Send-as: an authenticated client may give only its own addresses in MAIL FROM, so a stolen or shared
/// password cannot be used to pose as the CEO (Postfix's reject_sender_login_mismatch). Anonymous sessions
/// are not judged here; the relay filter decides for them. The null sender (bounces) passes.
/// </summary>
public sealed class SendAsFilter(ISendAsDirectory directory) : IMailFromFilter
{
    public string Name => "send-as";

    public ValueTask<Verdict> OnMailFromAsync(SessionFacts session, Sender sender, CancellationToken ct)
    {
        if (session.AuthenticatedUser is not { } user || sender.Address.Length == 0) return ValueTask.FromResult(Verdict.Next);
        return ValueTask.FromResult(Owns(directory, user, sender.Address) ? Verdict.Next : new Verdict.Reject(SendAsReplies.NotYours));
    }

    internal static bool Owns(ISendAsDirectory directory, string user, string address)
    {
        int at = address.LastIndexOf('@');
        var domain = at < 0 ? null : address[at..];
        return directory.AddressesOf(user).Any(a => a.Equals(address, StringComparison.OrdinalIgnoreCase)
            || (a.StartsWith('@') && a.Equals(domain, StringComparison.OrdinalIgnoreCase)));
    }
}
