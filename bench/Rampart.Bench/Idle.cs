using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Rampart.Bench;

/// <summary>
/// "idle": opens N connections (at most --connect-concurrency at a time), reads each greeting, sends
/// EHLO, then holds them all idle for --hold-seconds and reports how many stayed open. It prints a
/// line starting "READY" once every connection is set up, so a script can sample the server's RSS
/// while they are held. Afterwards it sends QUIT on each and closes it.
/// </summary>
internal static class Idle
{
    public static readonly string[] Known =
    [
        "host", "port", "connections", "hold-seconds", "connect-concurrency", "helo", "timeout-seconds",
        "setup-seconds", "max-failures",
    ];

    public const string Usage =
        """
          idle --host 127.0.0.1 --port 2525 --connections 5000 --hold-seconds 20
               [--connect-concurrency 200] [--helo bench-client.test] [--timeout-seconds 30]
               [--setup-seconds 120] [--max-failures 100]
              Setup stops early after --max-failures failed connections or --setup-seconds;
              the connections already open are held anyway.
              Prints "READY open=N" when the connections are set up, "HELD ..." after the hold.
              Needs `ulimit -n` above --connections (each connection is one descriptor here).
        """;

    public static async Task<int> RunAsync(Options o)
    {
        IPEndPoint endPoint = o.GetLoopbackEndPoint();
        int count = o.GetInt("connections", 5000, 1, 60_000);
        int holdSeconds = o.GetInt("hold-seconds", 20, 0, 86_400);
        int concurrency = o.GetInt("connect-concurrency", 200, 1, 10_000);
        string helo = o.GetString("helo", "bench-client.test");
        var timeout = TimeSpan.FromSeconds(o.GetInt("timeout-seconds", 30, 1, 3600));
        int setupSeconds = o.GetInt("setup-seconds", 120, 1, 86_400);
        int maxFailures = o.GetInt("max-failures", 100, 0, int.MaxValue);
        var inv = CultureInfo.InvariantCulture;

        Console.WriteLine($"idle: {endPoint} connections={count} hold={holdSeconds} s connect-concurrency={concurrency}");

        var conns = new SmtpConnection?[count];
        var failures = new Dictionary<string, int>(StringComparer.Ordinal);
        string? firstFailure = null;
        long started = Stopwatch.GetTimestamp();
        int failed = 0;
        // Bound the whole setup phase too; it also stops after too many failures.
        using var setupCts = new CancellationTokenSource(TimeSpan.FromSeconds(setupSeconds));

        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, count),
                new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = setupCts.Token },
                async (i, ct) =>
                {
                    SmtpConnection? conn = null;
                    try
                    {
                        conn = await SmtpConnection.ConnectAsync(endPoint, timeout, ct).ConfigureAwait(false);
                        var greeting = await conn.ReadReplyAsync(ct).ConfigureAwait(false);
                        if (greeting.Code != 220)
                        {
                            throw new SmtpProtocolException($"greeting {greeting.Code}: {greeting.LastLine}");
                        }
                        var ehlo = await conn.CommandAsync("EHLO " + helo, ct).ConfigureAwait(false);
                        if (ehlo.Code != 250)
                        {
                            throw new SmtpProtocolException($"EHLO {ehlo.Code}: {ehlo.LastLine}");
                        }
                        conns[i] = conn;
                        conn = null;
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        // setup phase over (time or failure limit)
                    }
                    catch (Exception e) when (e is SocketException or TimeoutException or SmtpProtocolException or IOException)
                    {
                        string kind = e switch
                        {
                            SocketException s => $"socket {s.SocketErrorCode}",
                            TimeoutException => "timeout",
                            _ => e.Message.Split(':')[0],
                        };
                        lock (failures)
                        {
                            failures[kind] = failures.GetValueOrDefault(kind) + 1;
                            firstFailure ??= e.Message;
                        }
                        if (Interlocked.Increment(ref failed) > maxFailures)
                        {
                            setupCts.Cancel();
                        }
                    }
                    finally
                    {
                        conn?.Dispose();
                    }
                }).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine(failed > maxFailures
                ? $"setup stopped: more than {maxFailures} failures; holding what is open"
                : $"setup stopped: {setupSeconds} s elapsed; holding what is open");
        }

        double setupElapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        int opened = conns.Count(c => c is not null);
        Console.WriteLine(string.Create(inv, $"opened {opened}/{count} in {setupElapsed:F2} s"));
        foreach (var (kind, n) in failures.OrderByDescending(kv => kv.Value))
        {
            Console.WriteLine($"  failed x{n}: {kind}");
        }
        if (firstFailure is not null)
        {
            Console.WriteLine($"  first failure: {SmtpConnection.Truncate(firstFailure)}");
        }
        Console.WriteLine($"READY open={opened}");
        Console.Out.Flush();

        // Hold. Report every 5 s how many are still open (cheap non-blocking poll of each socket).
        var holdEnd = Stopwatch.GetTimestamp() + (long)(holdSeconds * (double)Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < holdEnd)
        {
            var left = TimeSpan.FromSeconds((holdEnd - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
            await Task.Delay(left < TimeSpan.FromSeconds(5) ? left : TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            if (Stopwatch.GetTimestamp() < holdEnd)
            {
                var (o1, _, _) = Tally(conns);
                Console.WriteLine($"  holding: open={o1}");
            }
        }

        var (open, closed, spoke) = Tally(conns);
        Console.WriteLine($"HELD open={open} closed={closed} spoke={spoke} after {holdSeconds} s");
        Console.WriteLine($"RESULT requested={count} opened={opened} open_after_hold={open} closed={closed} spoke={spoke}");
        Console.Out.Flush();

        // Tear down: QUIT without waiting for the 221, then close; bounded by a short timeout.
        using var quitCts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await Parallel.ForEachAsync(
                conns.Where(c => c is not null),
                new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = quitCts.Token },
                async (c, ct) =>
                {
                    await c!.QuitAsync(waitForReply: false, ct).ConfigureAwait(false);
                }).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // closing anyway
        }
        foreach (var c in conns)
        {
            c?.Dispose();
        }
        return opened == count && open == count ? 0 : 1;
    }

    private static (int Open, int Closed, int Spoke) Tally(SmtpConnection?[] conns)
    {
        int open = 0, closed = 0, spoke = 0;
        foreach (var c in conns)
        {
            if (c is null)
            {
                continue;
            }
            switch (c.Probe())
            {
                case IdleState.Open: open++; break;
                case IdleState.Closed: closed++; break;
                default: spoke++; break;
            }
        }
        return (open, closed, spoke);
    }
}
