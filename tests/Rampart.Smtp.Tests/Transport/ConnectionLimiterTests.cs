using System.Net;
using Rampart.Smtp.Transport;
using Admission = Rampart.Smtp.Transport.ConnectionLimiter.Admission;

namespace Rampart.Smtp.Tests.Transport;

/// <summary>Issue 11 item 8: the per-client connection limit counts an IPv6 client per /64, as the rate limits do.</summary>
public class ConnectionLimiterTests
{
    [Fact]
    public void Addresses_of_one_ipv6_64_share_one_count()
    {
        var limiter = new ConnectionLimiter(maxTotal: 100, maxPerClient: 2);
        Assert.Equal(Admission.Admitted, limiter.TryAdmit(IPAddress.Parse("2001:db8:1:2::1")));
        Assert.Equal(Admission.Admitted, limiter.TryAdmit(IPAddress.Parse("2001:db8:1:2::2")));
        Assert.Equal(Admission.ClientFull, limiter.TryAdmit(IPAddress.Parse("2001:db8:1:2:ffff:ffff:ffff:ffff")));
        // Another /64 is another client.
        Assert.Equal(Admission.Admitted, limiter.TryAdmit(IPAddress.Parse("2001:db8:1:3::1")));

        limiter.Release(IPAddress.Parse("2001:db8:1:2::1"));
        Assert.Equal(Admission.Admitted, limiter.TryAdmit(IPAddress.Parse("2001:db8:1:2::99")));
        Assert.Equal(Admission.ClientFull, limiter.TryAdmit(IPAddress.Parse("2001:db8:1:2::2")));
        Assert.Equal(3, limiter.Total);
    }

    [Fact]
    public void Ipv4_addresses_are_counted_one_by_one_and_mapped_ones_as_ipv4()
    {
        var limiter = new ConnectionLimiter(maxTotal: 100, maxPerClient: 1);
        Assert.Equal(Admission.Admitted, limiter.TryAdmit(IPAddress.Parse("192.0.2.1")));
        Assert.Equal(Admission.Admitted, limiter.TryAdmit(IPAddress.Parse("192.0.2.2")));
        Assert.Equal(Admission.ClientFull, limiter.TryAdmit(IPAddress.Parse("::ffff:192.0.2.1")));
    }
}
