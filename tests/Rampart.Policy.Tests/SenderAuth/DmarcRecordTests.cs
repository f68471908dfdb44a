using Rampart.Policy.SenderAuth;

namespace Rampart.Policy.Tests.SenderAuth;

public sealed class DmarcRecordTests
{
    [Fact]
    public void Every_tag_that_decides_is_read()
    {
        Assert.Equal(new DmarcRecord(DmarcPolicy.Quarantine, DmarcPolicy.Reject, 20, StrictDkim: true, StrictSpf: true),
            DmarcRecord.Parse("v=DMARC1; p=quarantine; sp=reject; pct=20; adkim=s; aspf=s; rua=mailto:r@x.test"));
        Assert.Equal(new DmarcRecord(DmarcPolicy.Reject, null, 100, false, false), DmarcRecord.Parse("v=DMARC1;p=reject"));
    }

    [Theory]
    [InlineData("p=reject; v=DMARC1")] // v= must come first (§6.4)
    [InlineData("v=DMARC2; p=reject")]
    [InlineData("v=spf1 -all")]
    [InlineData("v=DMARC1; p=reject; garbage")]
    [InlineData("")]
    public void What_is_not_a_DMARC_record_is_discarded(string text) => Assert.Null(DmarcRecord.Parse(text));

    [Theory]
    [InlineData("v=DMARC1; p=bogus")]
    [InlineData("v=DMARC1; sp=reject; adkim=s")]
    [InlineData("v=DMARC1; p=; rua=not a uri")]
    [InlineData("v=DMARC1; rua=mailto:a@x.test, ")]
    public void A_record_with_no_valid_p_and_no_valid_rua_is_ignored_as_section_6_6_3_step_6_says(string text) =>
        Assert.Null(DmarcRecord.Parse(text));

    [Fact]
    public void Bad_values_fall_back_as_section_6_6_3_says_and_junk_lengths_are_not_parsed()
    {
        Assert.Equal(new DmarcRecord(DmarcPolicy.None, null, 100, false, false),
            DmarcRecord.Parse("v=DMARC1; p=bogus; sp=bogus; pct=250; rua=mailto:dmarc@x.test,https://r.x.test/!10m"));
        Assert.Null(DmarcRecord.Parse("v=DMARC1; p=reject; x=" + new string('a', DmarcRecord.MaxLength)));
    }
}
