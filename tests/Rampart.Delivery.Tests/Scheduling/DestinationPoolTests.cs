using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rampart.Delivery.Scheduling;
using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Delivery.Tests.Scheduling;

public class DestinationPoolTests
{
    private static readonly SmtpReply Refused = new(451, "4.4.1", "Connect to next.test failed");

    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly CancellationTokenSource stopping = new();
    private readonly CancellationTokenSource aborting = new();
    private readonly DeliveryAgentOptions options = new() { Retry = new RetrySchedule(TimeSpan.FromMinutes(5), TimeSpan.FromHours(1)) };

    private DestinationPool NewPool(DeliveryAgentOptions? with = null) =>
        new(with ?? options, NullLogger.Instance, clock, stopping.Token, aborting.Token);

    private static DeliveryJob Job(string id = "Q1", int recipients = 1) =>
        new(DeferredQueueTests.Message(id), Enumerable.Range(0, recipients).ToList());

    [Fact]
    public async Task A_job_is_delivered_over_a_session_of_its_route()
    {
        var route = new ScriptedRoute();
        var pool = NewPool();
        var job = Job(recipients: 2);
        pool.Post("next", route, job);
        var outcomes = await Settle.Soon(job.Outcomes);
        Assert.All(outcomes, o => Assert.Equal(ScriptedRoute.Ok, o.Reply));
        Assert.Equal(1, pool.Count);
    }

    [Fact]
    public async Task Jobs_one_after_another_reuse_the_session_while_it_lingers()
    {
        var route = new ScriptedRoute();
        var pool = NewPool();
        for (int i = 0; i < 3; i++)
        {
            var job = Job($"Q{i}");
            pool.Post("next", route, job);
            await Settle.Soon(job.Outcomes);
        }
        Assert.Equal(1, route.SessionsOpened);
    }

    [Fact]
    public async Task An_idle_destination_is_dropped_once_its_linger_is_over()
    {
        var pool = NewPool();
        var job = Job();
        pool.Post("next", new ScriptedRoute(), job);
        await Settle.Soon(job.Outcomes);
        Assert.Equal(1, pool.Count);
        clock.Advance(options.ConnectionLinger);
        await Settle.UntilAsync(() => pool.Count == 0, "the idle destination dropped");
    }

    [Fact]
    public async Task A_new_destination_gets_the_initial_connections_and_more_once_it_answered()
    {
        var route = new ScriptedRoute(maxConnections: 4);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        route.Answer = async (m, r, ct) =>
        {
            await release.Task;
            return await ScriptedRoute.Replying(ScriptedRoute.Ok)(m, r, ct);
        };
        var pool = NewPool();
        var first = Enumerable.Range(0, 6).Select(i => Job($"A{i}")).ToList();
        foreach (var job in first) pool.Post("next", route, job);
        Assert.Equal(options.InitialDestinationConnections, route.Concurrent);

        release.SetResult();
        await Settle.Soon(Task.WhenAll(first.Select(j => j.Outcomes)));
        release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = Enumerable.Range(0, 6).Select(i => Job($"B{i}")).ToList();
        foreach (var job in second) pool.Post("next", route, job);
        // The two lingering workers take the first jobs; the backlog behind them opens more, past the initial two.
        await Settle.UntilAsync(() => route.Concurrent > options.InitialDestinationConnections, "more connections than the initial two");
        Assert.True(route.Concurrent <= route.MaxConnections);
        release.SetResult();
        await Settle.Soon(Task.WhenAll(second.Select(j => j.Outcomes)));
    }

    [Fact]
    public async Task The_total_limit_holds_across_destinations()
    {
        var routes = Enumerable.Range(0, 3).Select(i => new ScriptedRoute($"r{i}")).ToList();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int inside = 0, most = 0;
        foreach (var route in routes)
        {
            route.Answer = async (m, r, ct) =>
            {
                int now = Interlocked.Increment(ref inside);
                lock (routes) most = Math.Max(most, now);
                await release.Task;
                Interlocked.Decrement(ref inside);
                return await ScriptedRoute.Replying(ScriptedRoute.Ok)(m, r, ct);
            };
        }
        var pool = NewPool(options with { MaxConnections = 3 });
        var jobs = routes.SelectMany(r => Enumerable.Range(0, 2).Select(i => (Route: r, Job: Job($"{r.Name}-{i}")))).ToList();
        foreach (var (route, job) in jobs) pool.Post(route.Name, route, job);
        await Settle.UntilAsync(() => Volatile.Read(ref inside) == 3, "three deliveries under way");
        release.SetResult();
        await Settle.Soon(Task.WhenAll(jobs.Select(j => j.Job.Outcomes)));
        Assert.Equal(3, most);
    }

    [Fact]
    public async Task An_unreachable_destination_is_set_aside_and_its_mail_deferred_without_connecting_again()
    {
        var route = new ScriptedRoute { Answer = (_, _, _) => throw new DestinationUnavailableException(Refused) };
        var pool = NewPool();
        var first = Job("Q1");
        pool.Post("next", route, first);
        var outcome = Assert.Single(await Settle.Soon(first.Outcomes));
        Assert.Equal((RecipientStatus.TemporaryFailure, Refused), (outcome.Status, outcome.Reply));

        var second = Job("Q2");
        pool.Post("next", route, second);
        Assert.Equal(Refused, Assert.Single(await Settle.Soon(second.Outcomes)).Reply);
        Assert.Equal(1, route.SessionsOpened);

        // Set aside for the first retry interval (plus at most 10 % jitter), then tried again.
        route.Answer = ScriptedRoute.Replying(ScriptedRoute.Ok);
        clock.Advance(TimeSpan.FromMinutes(5.5));
        var third = Job("Q3");
        pool.Post("next", route, third);
        Assert.Equal(ScriptedRoute.Ok, Assert.Single(await Settle.Soon(third.Outcomes)).Reply);
    }

    [Fact]
    public async Task A_failure_on_our_side_defers_with_451_4_3_0()
    {
        var route = new ScriptedRoute { Answer = (_, _, _) => throw new IOException("spool file unreadable") };
        var pool = NewPool();
        var job = Job();
        pool.Post("next", route, job);
        Assert.Equal("451 4.3.0 Delivery failed locally; will retry", Assert.Single(await Settle.Soon(job.Outcomes)).Reply.ToString());
    }

    [Fact]
    public async Task A_changed_route_starts_a_new_destination_queue()
    {
        var old = new ScriptedRoute("next");
        var reloaded = new ScriptedRoute("next");
        var pool = NewPool();
        var before = Job("Q1");
        pool.Post("next", old, before);
        await Settle.Soon(before.Outcomes);
        var after = Job("Q2");
        pool.Post("next", reloaded, after);
        await Settle.Soon(after.Outcomes);
        Assert.Equal((1, 1), (old.SessionsOpened, reloaded.SessionsOpened));
    }

    [Fact]
    public async Task On_stop_waiting_jobs_are_deferred_and_no_new_job_is_taken()
    {
        var route = new ScriptedRoute();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        route.Answer = async (m, r, ct) =>
        {
            await release.Task;
            return await ScriptedRoute.Replying(ScriptedRoute.Ok)(m, r, ct);
        };
        var pool = NewPool(options with { InitialDestinationConnections = 1 });
        var running = Job("Q1");
        var waiting = Job("Q2");
        pool.Post("next", route, running);
        pool.Post("next", route, waiting);

        await stopping.CancelAsync();
        pool.Drain();
        Assert.Equal("421 4.3.2 Gateway stopping", Assert.Single(await Settle.Soon(waiting.Outcomes)).Reply.ToString());
        var late = Job("Q3");
        pool.Post("next", route, late);
        Assert.Equal("421 4.3.2 Gateway stopping", Assert.Single(await Settle.Soon(late.Outcomes)).Reply.ToString());

        // The transaction under way finishes: a stop does not cut it before its grace.
        release.SetResult();
        Assert.Equal(ScriptedRoute.Ok, Assert.Single(await Settle.Soon(running.Outcomes)).Reply);
    }
}
