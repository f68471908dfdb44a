using Rampart.Policy.Senders;

namespace Rampart.Policy.Tests.Senders;

/// <summary>Domains that look like example.test to a reader have its skeleton; different names do not.</summary>
public class DomainSkeletonTests
{
    [Theory]
    [InlineData("example.test")]
    [InlineData("EXAMPLE.TEST")]
    [InlineData("Example.Test.")]                          // trailing dot
    [InlineData("ex\u0430mple.test")]                      // Cyrillic а
    [InlineData("\u0435x\u0430mpl\u0435.t\u0435st")]       // Cyrillic е and а
    [InlineData("\u0415\u03A7\u0410\u041CPLE.TEST")]       // Cyrillic Е, Greek Χ, Cyrillic А and М, in capitals
    [InlineData("exam\u0440le.test")]                      // Cyrillic р
    [InlineData("ex\u03b1mple.test")]                      // Greek α
    [InlineData("\uFF45\uFF58\uFF41\uFF4D\uFF50\uFF4C\uFF45.test")] // fullwidth
    [InlineData("example\uFF0Etest")]                      // fullwidth full stop
    [InlineData("example\u3002test")]                      // ideographic full stop
    [InlineData("\U0001D41E\U0001D431ample.test")]         // mathematical bold e and x
    [InlineData("xn--exmple-4nf.test")]                    // punycode of the Cyrillic а form
    [InlineData("XN--XMPL-53D2AF.test")]                   // punycode, in capitals, of е-а-е
    [InlineData("exa\u200Bmple.test")]                     // zero-width space
    [InlineData("exa\u00ADmple.test")]                     // soft hyphen
    [InlineData("exampl\u00e9.test")]                      // an accent a reader overlooks
    [InlineData("xn--exampl-gva.test")]
    [InlineData("exarnple.test")]                          // rn for m
    [InlineData("examp1e.test")]                           // digit one for l
    [InlineData("exampIe.test")]                           // capital i for l
    public void Look_alikes_of_our_domain_have_its_skeleton(string lookalike) =>
        Assert.Equal(DomainSkeleton.Of("example.test"), DomainSkeleton.Of(lookalike));

    [Theory]
    [InlineData("examples.test")]
    [InlineData("example.tests")]
    [InlineData("foreign.test")]
    [InlineData("exmple.test")]
    [InlineData("example-test")]
    [InlineData("xn--invalid-punycode-\u00e9.test")]
    public void Other_domains_keep_a_skeleton_of_their_own(string other) =>
        Assert.NotEqual(DomainSkeleton.Of("example.test"), DomainSkeleton.Of(other));
}
