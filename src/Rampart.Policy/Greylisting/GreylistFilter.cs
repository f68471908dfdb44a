using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Rampart.Mail;
using Rampart.Policy.Relay;

namespace Rampart.Policy.Greylisting;

/// <summary>
/// Greylisting (Harris 2003; postgrey): the first attempt of each (client network, sender, recipient) is told to
/// come back later with 451 4.7.1; a real MTA retries (RFC 5321 §4.5.4.1) and is passed once the delay is over,
/// and after that for as long as the triplet keeps being used. Most spam bots never retry.
///
/// At RCPT, not after DATA: the triplet is per recipient, so a message to a passed and a new recipient has the new
/// one deferred alone; a 451 here costs the sender no body transfer and us no spool write; and the reply is known
/// before DATA, where a 451 would defer every recipient. An accepted-recipient filter (<see cref="IAcceptedRcptFilter"/>):
/// it sees only recipients relay and recipient validation accepted, so a relay attempt or an unknown user is
/// refused at once (550) and never written to the store, and a harvester learns nothing from a delay. On inbound
/// only recipients of our accepted domains (<paramref name="onlyFor"/>): the bare postmaster relay accepts
/// (RFC 5321 §4.5.1) is never delayed.
///
/// Never greylisted: the exempted sessions (relay networks, allow list, authenticated, DNSWL-listed, and whatever
/// later checks plug in through <see cref="IGreylistExemption"/>). A store failure passes the recipient (fail open, logged).
/// </summary>
public sealed class GreylistFilter(GreylistOptions options, IGreylistStore store, IReadOnlyList<IGreylistExemption> exemptions,
    AcceptedDomains? onlyFor, ILogger logger) : IAcceptedRcptFilter
{
    public string Name => "greylisting";

    public async ValueTask<Verdict.TempFail?> OnAcceptedRcptAsync(SessionFacts session, Sender sender, Recipient recipient, CancellationToken ct)
    {
        if (onlyFor is not null && !onlyFor.Contains(recipient.Domain)) return null;
        foreach (var exemption in exemptions)
        {
            if (await exemption.ExemptAsync(session, sender, ct) is { } reason)
            {
                GreylistLog.GreylistExempt(logger, session.SessionId, reason);
                return null;
            }
        }

        var triplet = TripletOf(session.ClientAddress, sender, recipient);
        GreylistResult result;
        try
        {
            result = await store.CheckAsync(triplet, options, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            GreylistLog.GreylistStoreFailed(logger, ex, session.SessionId);
            return null;
        }

        switch (result.Outcome)
        {
            case GreylistOutcome.Delayed:
                GreylistLog.Greylisted(logger, session.SessionId, triplet.Network, LogText.Escape(triplet.Sender), LogText.Escape(triplet.Recipient),
                    result.Remaining);
                return new Verdict.TempFail(GreylistReplies.Greylisted(result.Remaining, session.SessionId));
            case GreylistOutcome.PassedNow:
                GreylistLog.GreylistPassed(logger, session.SessionId, triplet.Network, LogText.Escape(triplet.Sender), LogText.Escape(triplet.Recipient));
                return null;
            default:
                return null;
        }
    }

    /// <summary>The client's /24 (IPv4) or /64 (IPv6); addresses lower-cased, as mailbox domains are case-blind.</summary>
    public static GreylistTriplet TripletOf(IPAddress client, Sender sender, Recipient recipient) =>
        new(NetworkOf(client), sender.Address.ToLowerInvariant(), recipient.Address.ToLowerInvariant());

    public static string NetworkOf(IPAddress address)
    {
        address = MappedAddress.Unmapped(address);
        var bytes = address.GetAddressBytes();
        int keep = address.AddressFamily == AddressFamily.InterNetworkV6 ? 8 : 3;
        Array.Clear(bytes, keep, bytes.Length - keep);
        return $"{new IPAddress(bytes)}/{keep * 8}";
    }
}
