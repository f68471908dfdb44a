using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Rampart.Bench;

/// <summary>
/// "acceptance": C concurrent sessions share N messages. Each session connects, reads the greeting,
/// sends EHLO, then per message MAIL FROM / RCPT TO / DATA / content / "." and times the reply to the
/// final dot (the gateway's durable-accept latency: it fsyncs before its 250). After
/// --per-connection messages a session sends QUIT and reconnects. Every final-dot reply must be 250.
/// </summary>
internal static class Acceptance
{
    public static readonly string[] Known =
    [
        "host", "port", "sessions", "messages", "size", "per-connection", "from", "rcpt", "helo",
        "timeout-seconds", "deadline-seconds", "max-errors", "label", "mime-file",
    ];

    public const string Usage =
        """
          acceptance --host 127.0.0.1 --port 2525 --sessions 50 --messages 5000 --size 4096
                     [--per-connection 100] [--from bench@bench.test] [--rcpt user@example.test]
                     [--helo bench-client.test] [--timeout-seconds 30] [--deadline-seconds 600]
                     [--max-errors 100] [--label NAME] [--mime-file PATH]
              --size is the body size in bytes (76-character lines); headers (~250 bytes) come on top.
              --mime-file sends the file instead of the generated body: its own Content-Type header
                line(s), a blank line and the MIME body, CRLF line ends (--size is then ignored).
              --per-connection 0 keeps each session on one connection for all its messages.
              Stops early when errors exceed --max-errors or after --deadline-seconds.
        """;

    public static async Task<int> RunAsync(Options o)
    {
        IPEndPoint endPoint = o.GetLoopbackEndPoint();
        int sessions = o.GetInt("sessions", 50, 1, 10_000);
        int messages = o.GetInt("messages", 5000, 1, 100_000_000);
        int size = o.GetInt("size", 4096, 0, 64 * 1024 * 1024);
        int perConnection = o.GetInt("per-connection", 100, 0, int.MaxValue);
        string from = o.GetString("from", "bench@bench.test");
        string rcpt = o.GetString("rcpt", "user@example.test");
        string helo = o.GetString("helo", "bench-client.test");
        var timeout = TimeSpan.FromSeconds(o.GetInt("timeout-seconds", 30, 1, 3600));
        int deadlineSeconds = o.GetInt("deadline-seconds", 600, 1, 86_400);
        int maxErrors = o.GetInt("max-errors", 100, 0, int.MaxValue);
        string label = o.GetString("label", $"{size}b-c{sessions}");
        string? mimeFile = o.GetString("mime-file", "") is { Length: > 0 } path ? path : null;
        if (size is 1 or 2)
        {
            throw new UsageException("--size must be 0 or at least 3 (a body line needs its CRLF)");
        }
        sessions = Math.Min(sessions, messages);

        var run = new Run(endPoint, messages, perConnection, from, rcpt, helo, timeout, maxErrors, size, mimeFile);
        Console.WriteLine(
            $"acceptance: {endPoint} sessions={sessions} messages={messages} body={size} B " +
            $"per-connection={(perConnection == 0 ? "unlimited" : perConnection.ToString(CultureInfo.InvariantCulture))}");

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(deadlineSeconds));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        run.Stop = stop;

        long started = Stopwatch.GetTimestamp();
        var workers = new Task<List<double>>[sessions];
        for (int i = 0; i < sessions; i++)
        {
            workers[i] = Task.Run(() => run.SessionAsync(stop.Token));
        }
        List<double>[] perWorker = await Task.WhenAll(workers).ConfigureAwait(false);
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        var latencies = new List<double>(messages);
        foreach (var l in perWorker)
        {
            latencies.AddRange(l);
        }
        latencies.Sort();

        long ok = latencies.Count;
        long errors = Interlocked.Read(ref run.Errors);
        long notSent = Math.Max(0, messages - ok - errors);
        double rate = seconds > 0 ? ok / seconds : 0;
        double p50 = Percentile(latencies, 0.50);
        double p99 = Percentile(latencies, 0.99);
        double max = latencies.Count > 0 ? latencies[^1] : double.NaN;

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"ok={ok} errors={errors} not-sent={notSent} elapsed={seconds:F2} s connections={run.Connections}"));
        Console.WriteLine(string.Create(inv, $"msgs/s: {rate:F1}"));
        Console.WriteLine(string.Create(inv, $"final-dot latency ms: p50={p50:F2} p99={p99:F2} max={max:F2}"));
        if (deadline.IsCancellationRequested)
        {
            Console.WriteLine($"stopped: deadline of {deadlineSeconds} s reached");
        }
        else if (stop.IsCancellationRequested)
        {
            Console.WriteLine($"stopped: more than {maxErrors} errors");
        }
        foreach (var (kind, count) in run.ErrorKinds.OrderByDescending(kv => kv.Value))
        {
            run.ErrorSamples.TryGetValue(kind, out var sample);
            Console.WriteLine($"  error x{count}: {kind}{(sample is null ? "" : " | e.g. " + sample)}");
        }
        Console.WriteLine(string.Create(inv,
            $"RESULT label={label} messages={messages} ok={ok} errors={errors} not_sent={notSent} seconds={seconds:F3} " +
            $"msgs_per_s={rate:F1} p50_ms={p50:F2} p99_ms={p99:F2} max_ms={max:F2}"));
        return ok == messages && errors == 0 ? 0 : 1;
    }

    private static double Percentile(List<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }
        // Nearest rank.
        int rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    private sealed class Run(
        IPEndPoint endPoint, int messages, int perConnection, string from, string rcpt, string helo,
        TimeSpan timeout, int maxErrors, int bodySize, string? mimeFile)
    {
        private static readonly byte[] EndOfData = ".\r\n"u8.ToArray();

        private readonly byte[] _body = mimeFile is null ? BuildBody(bodySize) : File.ReadAllBytes(mimeFile);
        private readonly string _runId = Guid.NewGuid().ToString("N")[..12];
        private readonly string _date = DateTimeOffset.Now.ToString("ddd, dd MMM yyyy HH:mm:ss zzz", CultureInfo.InvariantCulture).Remove(29, 1);
        private int _next;

        public long Errors;
        public int Connections;
        public CancellationTokenSource Stop = null!;
        public readonly ConcurrentDictionary<string, int> ErrorKinds = new(StringComparer.Ordinal);
        public readonly ConcurrentDictionary<string, string> ErrorSamples = new(StringComparer.Ordinal);

        public async Task<List<double>> SessionAsync(CancellationToken ct)
        {
            var latencies = new List<double>();
            SmtpConnection? conn = null;
            int onThisConnection = 0;
            try
            {
                while (!ct.IsCancellationRequested)
                {
                    int index = Interlocked.Increment(ref _next) - 1;
                    if (index >= messages)
                    {
                        break;
                    }
                    try
                    {
                        if (conn is null)
                        {
                            conn = await OpenAsync(ct).ConfigureAwait(false);
                            onThisConnection = 0;
                        }
                        double? ms = await SendOneAsync(conn, index, ct).ConfigureAwait(false);
                        if (ms is double v)
                        {
                            latencies.Add(v);
                        }
                        onThisConnection++;
                        if (perConnection > 0 && onThisConnection >= perConnection)
                        {
                            await conn.QuitAsync(waitForReply: true, ct).ConfigureAwait(false);
                            conn.Dispose();
                            conn = null;
                        }
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        break;
                    }
                    catch (Exception e) when (e is SocketException or TimeoutException or SmtpProtocolException or IOException or ReplyException)
                    {
                        Fail(Kind(e), e.Message);
                        conn?.Dispose();
                        conn = null;
                    }
                }
            }
            finally
            {
                if (conn is not null)
                {
                    using var quitCts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await conn.QuitAsync(waitForReply: true, quitCts.Token).ConfigureAwait(false);
                    conn.Dispose();
                }
            }
            return latencies;
        }

        private async Task<SmtpConnection> OpenAsync(CancellationToken ct)
        {
            var conn = await SmtpConnection.ConnectAsync(endPoint, timeout, ct).ConfigureAwait(false);
            try
            {
                Interlocked.Increment(ref Connections);
                Expect(await conn.ReadReplyAsync(ct).ConfigureAwait(false), 220, "greeting");
                Expect(await conn.CommandAsync("EHLO " + helo, ct).ConfigureAwait(false), 250, "EHLO");
                return conn;
            }
            catch
            {
                conn.Dispose();
                throw;
            }
        }

        /// <summary>One transaction. Returns the final-dot latency in ms, or null after a counted rejection.</summary>
        private async Task<double?> SendOneAsync(SmtpConnection conn, int index, CancellationToken ct)
        {
            var mail = await conn.CommandAsync($"MAIL FROM:<{from}>", ct).ConfigureAwait(false);
            if (mail.Code != 250)
            {
                return await RejectedAsync(conn, "MAIL", mail, ct).ConfigureAwait(false);
            }
            var rcptReply = await conn.CommandAsync($"RCPT TO:<{rcpt}>", ct).ConfigureAwait(false);
            if (rcptReply.Code != 250 && rcptReply.Code != 251)
            {
                return await RejectedAsync(conn, "RCPT", rcptReply, ct).ConfigureAwait(false);
            }
            var data = await conn.CommandAsync("DATA", ct).ConfigureAwait(false);
            if (data.Code != 354)
            {
                return await RejectedAsync(conn, "DATA", data, ct).ConfigureAwait(false);
            }
            await conn.SendAsync(Header(index), ct).ConfigureAwait(false);
            await conn.SendAsync(_body, ct).ConfigureAwait(false);

            long t0 = Stopwatch.GetTimestamp();
            await conn.SendAsync(EndOfData, ct).ConfigureAwait(false);
            var final = await conn.ReadReplyAsync(ct).ConfigureAwait(false);
            double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            if (final.Code != 250)
            {
                Fail($"final-dot {final.Code}", final.LastLine);
                if (final.Code == 421)
                {
                    throw new ReplyException("final-dot", final);
                }
                return null;
            }
            return ms;
        }

        /// <summary>Counts a rejected MAIL/RCPT/DATA, then RSETs (or drops the connection on 421).</summary>
        private async Task<double?> RejectedAsync(SmtpConnection conn, string stage, SmtpReply reply, CancellationToken ct)
        {
            if (reply.Code == 421)
            {
                throw new ReplyException(stage, reply);
            }
            Fail($"{stage} {reply.Code}", reply.LastLine);
            var rset = await conn.CommandAsync("RSET", ct).ConfigureAwait(false);
            if (rset.Code != 250)
            {
                throw new ReplyException("RSET", rset);
            }
            return null;
        }

        private static void Expect(SmtpReply reply, int code, string stage)
        {
            if (reply.Code != code)
            {
                throw new ReplyException(stage, reply);
            }
        }

        private void Fail(string kind, string sample)
        {
            ErrorKinds.AddOrUpdate(kind, 1, (_, n) => n + 1);
            ErrorSamples.TryAdd(kind, SmtpConnection.Truncate(sample));
            if (Interlocked.Increment(ref Errors) > maxErrors)
            {
                try
                {
                    Stop.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // run already over
                }
            }
        }

        private static string Kind(Exception e) => e switch
        {
            ReplyException r => r.Kind,
            SocketException s => $"socket {s.SocketErrorCode}",
            TimeoutException t => $"timeout ({t.Message})",
            SmtpProtocolException p => $"protocol ({p.Message.Split(':')[0]})",
            _ => e.GetType().Name,
        };

        private byte[] Header(int index) => Encoding.ASCII.GetBytes(
            $"From: Rampart Bench <{from}>\r\n" +
            $"To: <{rcpt}>\r\n" +
            $"Subject: rampart bench message {index}\r\n" +
            $"Date: {_date}\r\n" +
            $"Message-ID: <{_runId}.{index}@bench.test>\r\n" +
            "MIME-Version: 1.0\r\n" +
            (mimeFile is null ? "Content-Type: text/plain; charset=us-ascii\r\n\r\n" : ""));

        /// <summary>The body: exactly <paramref name="size"/> bytes of 76-character lines (last one shorter), CRLF-terminated.</summary>
        private static byte[] BuildBody(int size)
        {
            const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
            var body = new byte[size];
            int pos = 0;
            int lineNo = 0;
            while (pos < size)
            {
                int remaining = size - pos;
                if (remaining <= 2)
                {
                    // Too short for text + CRLF: pad the previous line's end with spaces instead.
                    Array.Copy(body, pos - 2, body, pos - 2 + remaining, 2);
                    for (int i = 0; i < remaining; i++)
                    {
                        body[pos - 2 + i] = (byte)' ';
                    }
                    break;
                }
                int chars = Math.Min(76, remaining - 2);
                for (int i = 0; i < chars; i++)
                {
                    body[pos + i] = (byte)alphabet[(lineNo + i) % alphabet.Length];
                }
                pos += chars;
                body[pos++] = (byte)'\r';
                body[pos++] = (byte)'\n';
                lineNo++;
            }
            return body;
        }
    }

    private sealed class ReplyException(string stage, SmtpReply reply) : Exception($"{stage}: {reply.LastLine}")
    {
        public string Kind { get; } = $"{stage} {reply.Code}";
    }
}
