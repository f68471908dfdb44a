using MimeKit.Cryptography;

namespace Rampart.Policy.DkimSigning;

/// <summary>MimeKit's signer with t= (and so x=) from the gateway's clock, which tests can set, rather than the system's.</summary>
internal sealed class ClockedDkimSigner(DkimKey key, string domain, TimeProvider clock)
    : DkimSigner(key.PrivateKey, domain, key.Selector, key.Algorithm)
{
    protected override long GetTimestamp() => clock.GetUtcNow().ToUnixTimeSeconds();
}
