using Rampart.Policy.Spf;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>A listener's spf: present turns it on (empty: the defaults), each key checked with its place, inbound only.</summary>
public sealed class SpfSectionTests : ConfigTest
{
    private const string Port = "    port: 2525";

    [Theory]
    [InlineData("spf: {fail: softfail}", "fail: |softfail", "listeners.inbound.spf.fail", "'softfail' is not one of reject, none")]
    [InlineData("spf: {temperror: reject}", "temperror: |reject", "listeners.inbound.spf.temperror", "'reject' is not one of accept, defer")]
    [InlineData("spf: {permerror: defer}", "permerror: |defer", "listeners.inbound.spf.permerror", "'defer' is not one of accept, reject")]
    [InlineData("spf: {softfail: reject}", "|softfail", "listeners.inbound.spf.softfail", "unknown key")]
    [InlineData("spf: yes", "spf: |yes", "listeners.inbound.spf", "expected a section of keys")]
    public void A_mistake_names_the_file_position_key_and_problem(string spf, string at, string key, string problem) =>
        AssertMistake(Port, Port + "\n    " + spf, at, key, problem);

    [Fact]
    public void On_an_outbound_listener_it_is_an_error()
    {
        const string find = "    port: 2587";
        AssertMistake(find, find + "\n    spf: {}", "spf: |{}", "listeners.outbound.spf", "inbound listeners only");
    }

    [Fact]
    public void Absent_is_off_and_empty_is_on_with_the_defaults()
    {
        Assert.Null(Inbound(Port, Port).Spf);
        Assert.Equal(new SpfCheckOptions(RejectFail: true, DeferTempError: false, RejectPermError: false), Inbound(Port, Port + "\n    spf: {}").Spf);
    }

    [Fact]
    public void Every_key_is_read()
    {
        var options = Inbound(Port, Port + """

                spf:
                  fail: none
                  temperror: defer
                  permerror: reject
            """).Spf;

        Assert.Equal(new SpfCheckOptions(RejectFail: false, DeferTempError: true, RejectPermError: true), options);
    }
}
