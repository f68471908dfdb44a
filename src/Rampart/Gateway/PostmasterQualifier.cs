using Rampart.Mail;

namespace Rampart.Gateway;

/// <summary>RFC 5321 §4.1.1.3 lets "&lt;Postmaster&gt;" come without a domain; it means ours (the first accepted domain).</summary>
internal sealed class PostmasterQualifier(string domain)
{
    public string Domain => domain;

    public List<Recipient> Qualify(IEnumerable<Recipient> recipients) => recipients.Select(Qualify).ToList();

    public Recipient Qualify(Recipient r) => r.Address.Contains('@') ? r : r with { Address = $"postmaster@{domain}" };
}
