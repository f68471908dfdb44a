using Rampart.Configuration;
using Rampart.Delivery.Scheduling;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>queue: delivery concurrency, retries, lifetime, delay warnings and back pressure; its defaults are the delivery agent's.</summary>
public sealed class QueueSectionTests : ConfigTest
{
    [Theory]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nqueue:\n  workers: 4", "workers", "queue.workers", "unknown key")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nqueue:\n  retry_initial: soon", "retry_initial: |soon", "queue.retry_initial", "'soon' is not a duration from 10ms to 1d")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nqueue:\n  retry_initial: 1h\n  retry_max: 5m", "retry_max: |5m", "queue.retry_max", "must not be shorter than retry_initial")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nqueue:\n  max_connections: 0", "max_connections: |0", "queue.max_connections", "'0' is not a whole number from 1 to 10000")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nqueue:\n  min_free_disk: lots", "min_free_disk: |lots", "queue.min_free_disk", "'lots' is not a size")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    [Fact]
    public void The_queue_keys_are_read()
    {
        var options = Load(Valid + """

            queue:
              max_connections: 40
              retry_initial: 30s
              retry_max: 2h
              max_queue_time: 3d
              delay_warning: 0s
              min_free_disk: 1GiB
              min_free_memory: 64MiB
            """);

        Assert.Equal(new QueueOptions
        {
            MaxConnections = 40, RetryInitial = TimeSpan.FromSeconds(30), RetryMax = TimeSpan.FromHours(2), MaxQueueTime = TimeSpan.FromDays(3),
            DelayWarning = null, MinFreeDisk = 1L << 30, MinFreeMemory = 64L << 20,
        }, options.Queue);
    }

    [Fact]
    public void The_defaults_are_the_delivery_agents_own()
    {
        var agent = new DeliveryAgentOptions();

        var queue = Load(Valid + "\nqueue: {}\n").Queue;

        Assert.Equal(new QueueOptions(), queue);
        Assert.Equal((agent.MaxConnections, agent.Retry.Initial, agent.Retry.Max, agent.MaxQueueTime, agent.DelayWarning),
            (queue.MaxConnections, queue.RetryInitial, queue.RetryMax, queue.MaxQueueTime, queue.DelayWarning));
    }

    [Fact]
    public void Max_queue_time_is_checked() =>
        AssertMistake("hostname: mx.example.test", "hostname: mx.example.test\nqueue:\n  max_queue_time: 90d",
            "max_queue_time: |90d", "queue.max_queue_time", "'90d' is not a duration from 1s to 60d");
}
