using Microsoft.Extensions.Logging;
using Rampart.Configuration;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>The top-level keys of no section: hostname, data_dir, log_level, log_format, cpu_scheduling, socket_completions,
/// rate_limit_store.</summary>
public sealed class GeneralSectionTests : ConfigTest
{
    [Theory]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nhost_name: mx", "host_name", "host_name", "unknown key")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nrate_limit_store: redis", "rate_limit_store: |redis", "rate_limit_store", "'redis' is not one of memory, sqlite")]
    [InlineData("hostname: mx.example.test", "hostname: mx_example..test", "hostname: |mx_example", "hostname", "'mx_example..test' is not a host name")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nlog_level: loud", "log_level: |loud", "log_level", "'loud' is not one of trace, debug, information, warning, error")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nlog_format: xml", "log_format: |xml", "log_format", "'xml' is not one of text, json")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\ncpu_scheduling: realtime", "cpu_scheduling: |realtime", "cpu_scheduling", "'realtime' is not one of batch, as_started")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nsocket_completions: pool", "socket_completions: |pool", "socket_completions", "'pool' is not one of inline, thread_pool")]
    [InlineData("hostname: mx.example.test", "hostname: [mx.example.test]", "hostname: |[", "hostname", "expected a single value")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    [Fact]
    public void Log_format_is_text_unless_json_is_asked_for()
    {
        Assert.Equal(LogFormat.Text, Load(Valid).LogFormat);
        Assert.Equal(LogFormat.Json, Load("log_format: JSON\n" + Valid).LogFormat);
        Assert.Equal(LogFormat.Json, Load(Valid, ("RAMPART__LOG_FORMAT", "json")).LogFormat);
    }

    [Fact]
    public void Cpu_scheduling_is_batch_unless_as_started_is_asked_for()
    {
        Assert.Equal(CpuSchedulingPolicy.Batch, Load(Valid).CpuScheduling);
        Assert.Equal(CpuSchedulingPolicy.AsStarted, Load("cpu_scheduling: as_started\n" + Valid).CpuScheduling);
        Assert.Equal(CpuSchedulingPolicy.AsStarted, Load(Valid, ("RAMPART__CPU_SCHEDULING", "as_started")).CpuScheduling);
    }

    [Fact]
    public void Socket_completions_are_inline_unless_the_thread_pool_is_asked_for()
    {
        Assert.Equal(SocketCompletionMode.Inline, Load(Valid).SocketCompletions);
        Assert.Equal(SocketCompletionMode.ThreadPool, Load("socket_completions: thread_pool\n" + Valid).SocketCompletions);
        Assert.Equal(SocketCompletionMode.ThreadPool, Load(Valid, ("RAMPART__SOCKET_COMPLETIONS", "thread_pool")).SocketCompletions);
    }

    [Theory]
    [InlineData("trace", LogLevel.Trace)]
    [InlineData("Debug", LogLevel.Debug)]
    [InlineData("information", LogLevel.Information)]
    [InlineData("info", LogLevel.Information)]
    [InlineData("warning", LogLevel.Warning)]
    [InlineData("WARN", LogLevel.Warning)]
    [InlineData("error", LogLevel.Error)]
    public void Log_levels_take_their_words_and_short_forms(string word, LogLevel level) =>
        Assert.Equal(level, Load($"log_level: {word}\n" + Valid).LogLevel);

    [Fact]
    public void Without_the_keys_the_options_keep_their_own_defaults()
    {
        var options = Load(Valid.Replace("hostname: mx.example.test\n", "", StringComparison.Ordinal));
        var defaults = new GatewayOptions
        {
            Source = "", HostName = "", DataDir = "", Queue = new(), Listeners = [], Routes = [], Routing = [], Postmaster = "",
        };

        Assert.Equal(GatewayOptions.DefaultHostName, options.HostName);
        Assert.Equal(Path.Combine(temp.Path, "data"), options.DataDir);
        Assert.Equal((defaults.LogLevel, defaults.LogFormat, defaults.RateLimitStore), (options.LogLevel, options.LogFormat, options.RateLimitStore));
    }

    [Fact]
    public void The_rate_limit_store_may_be_sqlite() =>
        Assert.Equal(RateStoreKind.Sqlite, Load("rate_limit_store: SQLite\n" + Valid).RateLimitStore);

    [Fact]
    public void Relative_paths_are_relative_to_the_config_file()
    {
        var options = Load(Valid + "\ndata_dir: spool\n");

        Assert.Equal(Path.Combine(temp.Path, "spool"), options.DataDir);
    }
}
