using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Delivery;

/// <summary>Routes by recipient domain: the first entry whose domains contain it wins; "*" matches any.</summary>
public sealed class DomainRouter(IReadOnlyList<(IReadOnlyList<string> Domains, ITransport? Transport)> routes) : IRouter
{
    public ITransport? RouteFor(QueuedEnvelope envelope, Recipient recipient)
    {
        foreach (var (domains, transport) in routes)
        {
            foreach (var d in domains)
            {
                if (d == "*" || d.Equals(recipient.Domain, StringComparison.OrdinalIgnoreCase)) return transport;
            }
        }
        return null;
    }
}
