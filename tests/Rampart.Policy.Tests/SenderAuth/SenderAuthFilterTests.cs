using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Rampart.Mail;
using Rampart.Policy.SenderAuth;
using Rampart.Policy.Tests.Spf;

namespace Rampart.Policy.Tests.SenderAuth;

/// <summary>
/// The filter alone on a scripted resolver: what it records for scoring (the evidence contract), and the bounds a
/// hostile message meets. The SMTP behaviour with a real unbound is in Rampart.Tests/SenderAuth.
/// </summary>
public sealed class SenderAuthFilterTests
{
    private static readonly AsymmetricKeyParameter Key;
    private static readonly string PublicKey;

    static SenderAuthFilterTests()
    {
        var rsa = new RsaKeyPairGenerator();
        rsa.Init(new KeyGenerationParameters(new SecureRandom(), 1024));
        var pair = rsa.GenerateKeyPair();
        Key = pair.Private;
        PublicKey = Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pair.Public).GetDerEncoded());
    }

    private static ScriptedResolver Zone() => new ScriptedResolver()
        .Add("k._domainkey.good.test", "TXT", $"v=DKIM1; k=rsa; p={PublicKey}")
        .Add("_dmarc.good.test", "TXT", "v=DMARC1; p=reject")
        .Add("k._domainkey.slow.test", ScriptedResolver.Timeout, "")
        .Add("_dmarc.slow.test", ScriptedResolver.Timeout, "")
        .Add("k._domainkey.huge.test", "TXT", $"v=DKIM1; k=rsa; n={new string('x', 5000)}; p={PublicKey}")
        .Add("_dmarc.twice.test", "TXT", "v=DMARC1; p=reject")
        .Add("_dmarc.twice.test", "TXT", "v=DMARC1; p=none");

    private static SessionFacts Session()
    {
        var session = new SessionFacts
        {
            SessionId = "S1",
            ListenerName = "inbound",
            Role = ListenerRole.Inbound,
            RemoteEndPoint = new IPEndPoint(IPAddress.Parse("192.0.2.25"), 40000),
            LocalEndPoint = new IPEndPoint(IPAddress.Parse("198.51.100.1"), 25),
        };
        session.BeginTransaction();
        return session;
    }

    private static MimeMessage Message(string from, string headers = "") => MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(
        $"From: {from}\r\nTo: b@example.test\r\nSubject: hi\r\n{headers}\r\nhello\r\n")));

    private static MimeMessage Signed(MimeMessage message, string domain)
    {
        new DkimSigner(Key, domain, "k") { BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed }.Sign(message, ["From", "Subject"]);
        return message;
    }

    private static Task<(Verdict Verdict, Evidence Evidence, string Text, ScriptedResolver Zone)> RunAsync(MimeMessage message, SenderAuthOptions? options = null,
        Rampart.Policy.PublicSuffixes.PublicSuffixList? suffixes = null)
    {
        using var bytes = new MemoryStream();
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, bytes);
        return RunAsync(bytes.ToArray(), options, suffixes: suffixes);
    }

    private static async Task<(Verdict Verdict, Evidence Evidence, string Text, ScriptedResolver Zone)> RunAsync(byte[] raw, SenderAuthOptions? options = null,
        long maxHeaderSize = 256 * 1024, Rampart.Policy.PublicSuffixes.PublicSuffixList? suffixes = null)
    {
        var content = new MemoryMessageContent(raw);
        var session = Session();
        var zone = Zone();
        var filter = new SenderAuthFilter(options ?? new SenderAuthOptions(), "mx.rampart.test", zone, NullLogger.Instance, maxHeaderSize, suffixes, () => 0);
        var verdict = await filter.OnMessageAsync(new MessageContext(session, "Q1", new Sender("a@x.test"), [new Recipient("b@example.test")], content), default);
        return (verdict, session.Transaction, Encoding.UTF8.GetString(content.Bytes), zone);
    }

    private static string[] Symbols(Evidence e) => e.Findings.Select(f => f.Symbol).ToArray();

    [Fact]
    public async Task A_signed_message_records_dkim_dmarc_and_arc_results_and_their_findings()
    {
        var (verdict, evidence, text, _) = await RunAsync(Signed(Message("a@good.test"), "good.test"));

        Assert.Equal(Verdict.Next, verdict);
        Assert.Equal(["DKIM_PASS", "ARC_NONE", "DMARC_PASS"], Symbols(evidence));
        Assert.Equal(("pass", "pass", "none"), (evidence.ResultOf("dkim")!.Result, evidence.ResultOf("dmarc")!.Result, evidence.ResultOf("arc")!.Result));
        Assert.StartsWith("Authentication-Results: mx.rampart.test;\r\n\tdkim=pass header.d=good.test header.s=k header.a=rsa-sha256;\r\n\tdmarc=pass", text);
        Assert.Contains("\tarc=none smtp.remote-ip=192.0.2.25\r\n", text); // RFC 8617 §10.2's property, not header.d
    }

    [Fact]
    public async Task A_refusal_records_DMARC_REJECT_and_leaves_the_message_unchanged()
    {
        var (verdict, evidence, text, _) = await RunAsync(Message("a@good.test"));

        Assert.Equal("550 5.7.1 Rejected by the DMARC policy of good.test: the message is not authenticated as coming from it; id S1",
            Assert.IsType<Verdict.Reject>(verdict).Reply.ToString());
        Assert.Equal(["DKIM_NONE", "ARC_NONE", "DMARC_REJECT"], Symbols(evidence));
        Assert.StartsWith("From: a@good.test", text);
    }

    [Fact]
    public async Task DNS_timeouts_give_temperrors_and_no_refusal()
    {
        var (verdict, evidence, _, _) = await RunAsync(Signed(Message("a@slow.test"), "slow.test"));

        Assert.Equal(Verdict.Next, verdict);
        Assert.Equal(["DKIM_TEMPERROR", "ARC_NONE", "DMARC_TEMPERROR"], Symbols(evidence));
    }

    [Fact]
    public async Task Only_max_signatures_are_verified_and_each_key_is_asked_once()
    {
        var message = Message("a@good.test");
        for (int i = 0; i < 30; i++) Signed(message, "good.test");

        var (verdict, evidence, text, zone) = await RunAsync(message, new SenderAuthOptions(MaxSignatures: 3));

        Assert.Equal(Verdict.Next, verdict);
        Assert.Equal(3, text.Split("dkim=pass").Length - 1);
        Assert.Equal(2, zone.Queries); // one key, one DMARC record
        Assert.Equal("DKIM_PASS", Symbols(evidence)[0]);
    }

    [Theory]
    [InlineData("a@good.test\r\nFrom: b@evil.test", "more than one From field")]
    [InlineData("a@good.test, b@evil.test", "more than one author in From")]
    [InlineData("a@bad_domain!.test", "the From domain is not a valid domain name")]
    public async Task A_From_that_names_no_single_domain_is_a_permerror_never_judged_as_one_of_its_domains(string from, string reason)
    {
        var (verdict, evidence, _, _) = await RunAsync(Signed(Message(from), "good.test"));

        Assert.Equal(Verdict.Next, verdict);
        Assert.Equal(("permerror", reason), (evidence.ResultOf("dmarc")!.Result, evidence.ResultOf("dmarc")!.Reason));
        Assert.Contains("DMARC_BAD_FROM", Symbols(evidence));
    }

    [Fact]
    public async Task Oversized_key_records_are_not_used_and_two_DMARC_records_are_none()
    {
        var (_, huge, _, _) = await RunAsync(Signed(Message("a@huge.test"), "huge.test"));
        Assert.Equal("permerror", huge.ResultOf("dkim")!.Result);

        var (verdict, twice, _, _) = await RunAsync(Message("a@twice.test"));
        Assert.Equal((Verdict.Next, "none"), (verdict, twice.ResultOf("dmarc")!.Result));
    }

    [Fact]
    public async Task A_signature_naming_a_key_that_is_not_a_DNS_name_fails_and_is_never_asked_of_DNS()
    {
        var message = Message("a@good.test", "DKIM-Signature: v=1; a=rsa-sha256; d=good.test; s=a b/../x; h=From; bh=AAAA; b=AAAA\r\n");

        var (_, evidence, _, zone) = await RunAsync(message);

        Assert.NotEqual("pass", evidence.ResultOf("dkim")!.Result);
        Assert.Equal(1, zone.Queries); // the DMARC record only
    }

    [Theory]
    [InlineData("simple", "hello\r\n", "hello\r\n", "pass")]
    [InlineData("simple", "hello\r\n\r\n\r\n", "hello\r\n", "pass")] // trailing empty lines are not body (§3.4.3)
    [InlineData("relaxed", " hello  world \t\r\n\r\n", " hello world\r\n", "pass")] // §3.4.4: runs of WSP one SP, none at line ends
    [InlineData("simple", "hello\r\nappended after signing\r\n", "hello\r\n", "policy")]
    [InlineData("relaxed", "hello world\r\n\r\nmore\r\n", "hello world\r\n", "policy")]
    public async Task A_signature_whose_l_leaves_part_of_the_body_unsigned_is_no_pass_and_never_aligns_for_DMARC(
        string bodyCanon, string body, string signedBody, string expected)
    {
        // MimeKit's signer has no l=, so this one is made by hand (RFC 6376 §3.4.2 relaxed headers), l= the signed body.
        var bh = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Encoding.ASCII.GetBytes(signedBody)));
        var value = $"v=1; a=rsa-sha256; c=relaxed/{bodyCanon}; d=good.test; s=k; l={signedBody.Length}; h=from:subject; bh={bh}; b=";
        var signed = $"from:a@good.test\r\nsubject:hi\r\ndkim-signature:{value}";
        var signer = SignerUtilities.GetSigner("SHA256WITHRSA");
        signer.Init(true, Key);
        var data = Encoding.ASCII.GetBytes(signed);
        signer.BlockUpdate(data, 0, data.Length);
        var b = Convert.ToBase64String(signer.GenerateSignature());
        var raw = $"DKIM-Signature: {value}{b}\r\nFrom: a@good.test\r\nTo: b@example.test\r\nSubject: hi\r\n\r\n{body}";

        var (verdict, evidence, text, _) = await RunAsync(Encoding.ASCII.GetBytes(raw));

        Assert.Equal(expected, evidence.ResultOf("dkim")!.Result);
        if (expected == "pass")
        {
            Assert.Equal((Verdict.Next, "pass"), (verdict, evidence.ResultOf("dmarc")!.Result));
            Assert.Contains("dkim=pass reason=\"body length limited by l=\" header.d=good.test", text);
        }
        else
        {
            // The l= replay: a signed copy with a part appended keeps its signature but not DMARC (good.test: p=reject).
            Assert.IsType<Verdict.Reject>(verdict);
            Assert.Equal(["DKIM_PASS_PARTIAL", "ARC_NONE", "DMARC_REJECT"], Symbols(evidence));
        }
    }

    [Theory]
    [InlineData("From: a@good.test\r\n", "DMARC_REJECT", "fail")] // DMARC still judged, on SPF alone: no way around p=reject
    [InlineData("From: a@good.test\r\nFrom: b@good.test\r\n", "DMARC_BAD_FROM", "permerror")]
    public async Task A_body_part_past_the_header_limit_is_not_parsed_no_signature_counts_and_DMARC_still_judges_the_From(
        string from, string dmarcSymbol, string dmarcResult)
    {
        var flood = string.Concat(Enumerable.Range(0, 2000).Select(i => $"X-{i}: y\r\n"));
        var signed = Signed(Message("a@good.test", "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n"), "good.test");
        using var bytes = new MemoryStream();
        signed.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, bytes);
        var raw = Encoding.ASCII.GetString(bytes.ToArray()).Replace("From: a@good.test\r\n", from, StringComparison.Ordinal)
            .Replace("\r\n\r\nhello\r\n", $"\r\n\r\n--b\r\n{flood}Content-Type: text/plain\r\n\r\nhello\r\n--b--\r\n", StringComparison.Ordinal);

        var (verdict, evidence, _, zone) = await RunAsync(Encoding.ASCII.GetBytes(raw), maxHeaderSize: 4096);

        Assert.Equal(dmarcSymbol == "DMARC_REJECT", verdict is Verdict.Reject);
        Assert.Equal(("permerror", dmarcResult), (evidence.ResultOf("dkim")!.Result, evidence.ResultOf("dmarc")!.Result));
        Assert.Equal(["DKIM_PERMERROR", "ARC_NONE", dmarcSymbol], Symbols(evidence));
        Assert.Equal(dmarcResult == "fail" ? 1 : 0, zone.Queries); // the DMARC record only: no key is asked for
    }

    [Fact]
    public async Task DMARC_takes_organisational_domains_from_the_list_it_is_given()
    {
        var message = Signed(Message("a@mail.good.test"), "good.test");
        var (_, shipped, _, _) = await RunAsync(message);
        Assert.Equal("pass", shipped.ResultOf("dmarc")!.Result); // relaxed: good.test is mail.good.test's organisation

        // A newer list where good.test is a suffix (as a new private suffix would be): two organisations, no alignment.
        var (_, newer, _, _) = await RunAsync(Signed(Message("a@mail.good.test"), "good.test"),
            suffixes: Rampart.Policy.PublicSuffixes.PublicSuffixList.Load(new StringReader("test\ngood.test\n")));
        Assert.Equal("none", newer.ResultOf("dmarc")!.Result);
    }

    [Theory]
    [InlineData("a@\uFF47\uFF4F\uFF4F\uFF44.test")] // full-width letters
    [InlineData("a@go\u200Bod.test")] // a zero-width space
    public async Task A_From_domain_with_full_width_or_invisible_characters_is_judged_as_the_domain_a_client_shows(string from)
    {
        var (_, evidence, _, _) = await RunAsync(Signed(Message(from), "good.test"));

        Assert.Equal(("pass", "good.test"), (evidence.ResultOf("dmarc")!.Result, evidence.ResultOf("dmarc")!.Properties![0].Value));
    }

    [Theory]
    [InlineData("v=DKIM1; k=ed25519; p={rsa}")]
    [InlineData("v=DKIM1; k=rsa; p=MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=")]
    [InlineData("v=DKIM1; k=rsa; p=!!!!")]
    [InlineData("v=DKIM1; k=rsa; p=")]
    [InlineData("v=DKIM1; k=dsa; p={rsa}")]
    [InlineData("k=rsa; p=AAAA")]
    public async Task A_broken_or_mismatched_key_record_is_an_error_result_never_an_exception(string record)
    {
        var zone = Zone().Add("k._domainkey.keys.test", "TXT", record.Replace("{rsa}", PublicKey, StringComparison.Ordinal));
        using var bytes = new MemoryStream();
        Signed(Message("a@keys.test"), "keys.test").WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, bytes);
        var session = Session();
        var filter = new SenderAuthFilter(new SenderAuthOptions(), "mx.rampart.test", zone, NullLogger.Instance, 256 * 1024, percentile: () => 0);

        var verdict = await filter.OnMessageAsync(new MessageContext(session, "Q1", new Sender("a@x.test"), [], new MemoryMessageContent(bytes.ToArray())), default);

        Assert.Equal(Verdict.Next, verdict);
        Assert.Contains(session.Transaction.ResultOf("dkim")!.Result, new[] { "fail", "permerror" });
    }

    [Theory]
    [InlineData("v=1; a=rsa-sha256; d=good.test; s=k; h=; bh=; b=")]
    [InlineData("v=1; a=ed25519-sha256; d=good.test; s=k; h=From; bh=AAAA; b=AAAA")]
    [InlineData("v=1; a=rsa-sha256; c=bogus/bogus; d=good.test; s=k; h=From; bh=AAAA; b=AAAA")]
    [InlineData("v=1; a=rsa-sha256; d=good.test; s=k; l=-1; h=From; bh=AAAA; b=AAAA")]
    [InlineData("v=1; a=rsa-sha256; d=good.test; s=k; l=99999999999999999999; h=From; bh=AAAA; b=AAAA")]
    [InlineData("v=1; a=rsa-sha256; d=good.test; s=k; x=1; h=From; bh=AAAA; b=AAAA")]
    [InlineData("v=1; a=rsa-sha256; d=good.test; s=k; h=From; b=AAAA")]
    [InlineData("v=1; a=rsa-sha256; d=good.test; d=evil.test; s=k; h=From; bh=AAAA; b=AAAA")]
    [InlineData("v=1; a=rsa-sha1; d=good.test; s=k; h=From; bh=AAAA; b=AAAA")]
    [InlineData("garbage without tags")]
    public async Task A_hostile_signature_field_is_an_error_result_never_an_exception(string value)
    {
        var (verdict, evidence, _, _) = await RunAsync(Message("a@none.test", $"DKIM-Signature: {value}\r\n"));

        Assert.Equal(Verdict.Next, verdict);
        Assert.Contains(evidence.ResultOf("dkim")!.Result, new[] { "fail", "permerror" });
    }

    [Theory]
    [InlineData("ARC-Seal: garbage\r\n")]
    [InlineData("ARC-Seal: i=999999999999; a=rsa-sha256; cv=none; d=good.test; s=k; b=AAAA\r\n")]
    [InlineData("ARC-Seal: i=1; a=rsa-sha256; cv=bogus; d=good.test; s=k; b=AAAA\r\nARC-Message-Signature: i=1; a=rsa-sha256; d=good.test; s=k; h=From; bh=AAAA; b=AAAA\r\nARC-Authentication-Results: i=1; good.test; dmarc=pass header.from=good.test\r\n")]
    [InlineData("ARC-Seal: i=1; a=rsa-sha256; cv=none; d=good.test; s=k; b=AAAA\r\nARC-Seal: i=1; a=rsa-sha256; cv=none; d=good.test; s=k; b=AAAA\r\n")]
    public async Task A_hostile_ARC_set_fails_and_never_vouches(string fields)
    {
        var (verdict, evidence, _, _) = await RunAsync(Message("a@good.test", fields), new SenderAuthOptions(TrustedForwarders: ["good.test"]));

        Assert.IsType<Verdict.Reject>(verdict);
        Assert.Contains(evidence.ResultOf("arc")!.Result, new[] { "fail", "none" });
    }

    [Fact]
    public async Task More_ARC_sets_than_the_cap_fail_without_asking_DNS()
    {
        var sets = string.Concat(Enumerable.Range(1, ArcCheck.MaxSets + 1).Select(i => $"ARC-Seal: i={i}; a=rsa-sha256; cv=pass; d=k{i}.test; s=k; b=AAAA\r\n"));

        var (_, evidence, _, zone) = await RunAsync(Message("a@none.test", sets));

        Assert.Equal(("fail", $"more than {ArcCheck.MaxSets} ARC sets"), (evidence.ResultOf("arc")!.Result, evidence.ResultOf("arc")!.Reason));
        Assert.Equal(1, zone.Queries); // the DMARC record only
    }
}
