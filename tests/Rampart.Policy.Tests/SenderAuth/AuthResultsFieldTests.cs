using System.Text;
using Rampart.Mail;
using Rampart.Policy.SenderAuth;
using Rampart.Testing;

namespace Rampart.Policy.Tests.SenderAuth;

public sealed class AuthResultsFieldTests
{
    private static async Task<(string Text, int Removed)> RewriteAsync(string message)
    {
        using var target = new MemoryStream();
        var removed = await AuthResultsField.WriteAsync(new MemoryStream(Encoding.UTF8.GetBytes(message)), target,
            AuthResultsField.Format("mx.rampart.test", [new AuthResult("dkim", "none")]), "mx.rampart.test", default);
        return (Encoding.UTF8.GetString(target.ToArray()), removed);
    }

    [Theory]
    [InlineData("Authentication-Results: mx.rampart.test; spf=pass\r\n")]
    [InlineData("AUTHENTICATION-RESULTS : MX.RAMPART.TEST.; spf=pass\r\n")]
    [InlineData("Authentication-Results: (comment (nested) \\) here) mx.rampart.test; spf=pass\r\n")]
    [InlineData("Authentication-Results:\r\n\tmx.rampart.test;\r\n spf=pass\r\n")]
    [InlineData("Authentication-Results: ｍｘ.ｒａｍｐａｒｔ.test; spf=pass\r\n")]
    [InlineData("Authentication-Results: mx.rampart.test\r\n")]
    [InlineData("Authentication-Results: m\u0445.rampart.test; spf=pass\r\n")] // Cyrillic х
    [InlineData("Authentication-Results: xn--m-gub.rampart.test; spf=pass\r\n")] // the same, as punycode
    public async Task A_field_claiming_our_id_is_removed_whole(string forged)
    {
        var (text, removed) = await RewriteAsync($"Received: from x\r\n{forged}Subject: hi\r\n\r\nbody\r\nAuthentication-Results: mx.rampart.test; in the body\r\n");

        Assert.Equal(1, removed);
        Assert.Equal("Authentication-Results: mx.rampart.test;\r\n\tdkim=none\r\nReceived: from x\r\nSubject: hi\r\n\r\nbody\r\nAuthentication-Results: mx.rampart.test; in the body\r\n", text);
    }

    [Theory]
    [InlineData("Authentication-Results: mx.rampart.test.evil; spf=pass\r\n")]
    [InlineData("Authentication-Results: other.test; spf=pass smtp.mailfrom=mx.rampart.test\r\n")]
    [InlineData("X-Authentication-Results: mx.rampart.test; spf=pass\r\n")]
    public async Task Fields_with_another_id_are_kept(string kept)
    {
        var (text, removed) = await RewriteAsync($"{kept}Subject: hi\r\n\r\nbody\r\n");

        Assert.Equal(0, removed);
        Assert.EndsWith($"{kept}Subject: hi\r\n\r\nbody\r\n", text);
    }

    [Fact]
    public void The_field_quotes_what_is_not_a_plain_value_and_strips_control_characters()
    {
        var field = AuthResultsField.Format("mx.rampart.test",
        [
            new AuthResult("spf", "pass", null, [new("smtp.mailfrom", "a b\"c@x.test")]),
            new AuthResult("dmarc", "fail", "p=reject\r\nX-Injected: yes", [new("header.from", "x.test")]),
        ]);

        Assert.Equal("Authentication-Results: mx.rampart.test;\r\n\tspf=pass smtp.mailfrom=\"a b\\\"c@x.test\";\r\n\tdmarc=fail reason=\"p=reject??X-Injected: yes\" header.from=x.test\r\n", field);
        Assert.Equal("Authentication-Results: mx.rampart.test; none\r\n", AuthResultsField.Format("mx.rampart.test", []));
    }

    [Fact]
    public async Task A_forged_field_cannot_hide_behind_a_line_that_is_not_a_field_or_a_line_longer_than_a_read()
    {
        var longLine = "X-Long: " + new string('a', 200_000) + "\r\n";
        var message = $"Subject: hi\r\nnot a field\r\n{longLine}Authentication-Results: mx.rampart.test; dkim=pass\r\n\r\nbody\r\n";

        var (text, removed) = await RewriteAsync(message);

        Assert.Equal(1, removed);
        Assert.EndsWith($"Subject: hi\r\nnot a field\r\n{longLine}\r\nbody\r\n", text);
    }

    [Fact]
    public async Task A_message_without_a_body_or_a_final_line_end_is_copied_whole()
    {
        var (text, removed) = await RewriteAsync("Subject: hi\r\nAuthentication-Results: mx.rampart.test; x");

        Assert.Equal(1, removed);
        Assert.EndsWith("\tdkim=none\r\nSubject: hi\r\n", text);
        Assert.Equal("Subject: hi\r\nX-Other: y", (await RewriteAsync("Subject: hi\r\nX-Other: y")).Text.Split("dkim=none\r\n")[1]);
    }

    [Theory]
    [InlineData(7)] // every line split across reads
    [InlineData(1 << 20)]
    public async Task Fields_past_the_first_buffer_and_lines_split_across_reads_come_out_unchanged(int readSize)
    {
        var fields = string.Concat(Enumerable.Range(0, 5000).Select(i => $"X-{i}: {i}\r\n")); // > 64 KiB: a field crosses the buffer's end
        var body = string.Concat(Enumerable.Repeat("body line\r\n", 20_000));
        var source = new TrickleStream(Encoding.ASCII.GetBytes($"{fields}Authentication-Results: mx.rampart.test; dkim=pass\r\n\r\n{body}"), readSize);
        using var target = new MemoryStream();

        var removed = await AuthResultsField.WriteAsync(source, target, "Authentication-Results: mx.rampart.test; none\r\n", "mx.rampart.test", default);

        Assert.Equal(1, removed);
        Assert.Equal($"Authentication-Results: mx.rampart.test; none\r\n{fields}\r\n{body}", Encoding.ASCII.GetString(target.ToArray()));
    }
}
