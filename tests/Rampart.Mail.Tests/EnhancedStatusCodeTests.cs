using Rampart.Mail;

namespace Rampart.Mail.Tests;

/// <summary>The one reading of an enhanced code in a reply, shared by the SMTP client and the spool's outcome log.</summary>
public sealed class EnhancedStatusCodeTests
{
    [Theory]
    [InlineData(250, "2.0.0", true)]
    [InlineData(550, "5.1.1", true)]
    [InlineData(451, "4.4.3", true)]
    [InlineData(250, "5.0.0", false)] // class disagrees with the basic code: kept as text (RFC 3463 §2)
    [InlineData(550, "5.1", false)]
    [InlineData(550, "5.1.1.1", false)]
    [InlineData(550, "3.1.1", false)]
    [InlineData(550, "5.1000.1", false)]
    [InlineData(550, "5.x.1", false)]
    [InlineData(550, "", false)]
    public void A_code_is_taken_only_when_well_formed_and_of_the_reply_class(int code, string token, bool taken)
    {
        Assert.Equal(taken, EnhancedStatusCode.TryParseFor(code, token, out var status));
        if (taken) Assert.Equal(token, status.ToString());
    }

    [Fact]
    public void Parse_names_what_it_could_not_read() =>
        Assert.Contains("'5.x.1' is not an enhanced status code", Assert.Throws<FormatException>(() => EnhancedStatusCode.Parse("5.x.1")).Message);
}
