using Rampart.Configuration;
using Rampart.Policy.Spam;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>A listener's spam scoring by Rspamd: where it is, the thresholds, the failure mode; mistakes named with file, line and key.</summary>
public sealed class SpamSectionTests : ConfigTest
{
    private ListenerOptions WithSpam(string keys) => Inbound("    port: 2525", $"    port: 2525\n    spam: {{{keys}}}");

    [Fact]
    public void Without_the_keys_the_options_keep_their_own_defaults()
    {
        Assert.Equal(new SpamOptions(), WithSpam("url: http://127.0.0.1:11333").Spam);
        Assert.Null(Inbound("    port: 2525", "    port: 2525").Spam);
    }

    [Fact]
    public void The_spam_keys_are_read()
    {
        var spam = WithSpam("url: http://10.0.0.5:11333/rspamd, timeout: 5s, tag_score: 4.5, quarantine_score: 8, reject_score: off, "
            + "subject_prefix: '[SPAM]', on_failure: TempFail, max_scan_bytes: 2MiB, max_reply_bytes: 64KiB, scan_outbound: yes, rspamd_actions: no").Spam!;

        Assert.Equal("http://10.0.0.5:11333/rspamd/checkv2", spam.CheckUri.ToString());
        Assert.Equal((TimeSpan.FromSeconds(5), 4.5, 8.0, (double?)null), (spam.Timeout, spam.TagScore, spam.QuarantineScore, spam.RejectScore));
        Assert.Equal(("[SPAM]", SpamFailureAction.TempFail, 2L * 1024 * 1024, 64 * 1024, true),
            (spam.SubjectPrefix, spam.OnFailure, spam.MaxScanBytes, spam.MaxReplyBytes, spam.ScanOutbound));
        Assert.False(spam.RspamdActions);
        Assert.True(new SpamOptions().RspamdActions);
    }

    [Fact]
    public void Rspamd_may_be_off_and_thresholds_may_be_sccls_each_replacing_its_actions_score()
    {
        var spam = WithSpam("url: off, rules: no, tag_scl: 4, reject_scl: 9").Spam!;

        Assert.Equal((false, false), (spam.Rspamd, spam.Rules));
        Assert.Equal(((int?)4, (int?)null, (int?)9), (spam.TagScl, spam.QuarantineScl, spam.RejectScl));
        Assert.Equal(((double?)null, (double?)null, (double?)null), (spam.TagScore, spam.QuarantineScore, spam.RejectScore));
        Assert.Equal((true, true), (WithSpam("url: http://127.0.0.1:11333").Spam!.Rspamd, WithSpam("quarantine_scl: 7").Spam!.Rules));
        Assert.Equal(5, WithSpam("quarantine_scl: 7").Spam!.TagScore); // the other actions keep their score defaults
    }

    [Theory]
    [InlineData("tag_scl: 10", "tag_scl: |10", "tag_scl", "'10' is not a whole number from 0 to 9")]
    [InlineData("tag_score: 4, tag_scl: 4", "tag_scl: |4", "tag_scl", "set tag_score or tag_scl, not both")]
    [InlineData("url: of", "url: |of", "url", "'of' is not a URL")]
    [InlineData("url: https://127.0.0.1:11333", "url: |https", "url", "must be an http:// URL")]
    [InlineData("url: not a url", "url: |not a url", "url", "'not a url' is not a URL")]
    [InlineData("tag_score: lots", "tag_score: |lots", "tag_score", "'lots' is not a score from -1000 to 1000 (or off)")]
    [InlineData("tag_score: 9, reject_score: 6", "reject_score: |6", "reject_score", "must not be below quarantine_score or tag_score")]
    [InlineData("tag_score: off, reject_score: off", "tag_score: |off", "tag_score", "set at least one of tag_score")]
    [InlineData("on_failure: deliver_quietly", "on_failure: |deliver_quietly", "on_failure", "'deliver_quietly' is not one of pass, tempfail")]
    [InlineData("subject_prefix: \"\\u0007\"", "subject_prefix: |\"", "subject_prefix", "1 to 64 printable ASCII characters")]
    [InlineData("timeout: 10ms", "timeout: |10ms", "timeout", "'10ms' is not a duration from 100ms to 5m")]
    [InlineData("rspamd: yes", "|rspamd: yes", "rspamd", "unknown key")]
    public void A_spam_mistake_is_named(string line, string at, string key, string problem) =>
        ConfigFile.AssertError(temp, Changed("    port: 2525", $"    port: 2525\n    spam: {{{line}}}"), at, $"listeners.inbound.spam.{key}", problem);
}
