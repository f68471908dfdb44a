#:project ../src/Rampart.Policy/Rampart.Policy.csproj
#:property Configuration=Release
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Rampart.Mail;
using Rampart.Policy;
using Rampart.Policy.Spam;

// rspamd-client.cs — the client side of one Rspamd check, alone: the same message POSTed to /checkv2 COUNT times with
// CONCURRENCY in flight, by Rampart's RspamdClient ("rampart") or by HttpClient set up as the client before it was
// ("httpclient"); prints checks per second and this process's CPU per check. Rspamd must be running (bench/rspamd-client.sh
// starts the shared one). Run from the project root:
//   dotnet run bench/rspamd-client.cs -- MODE MESSAGE.eml [COUNT] [CONCURRENCY] [URL]
var mode = args[0];
var bytes = File.ReadAllBytes(args[1]);
var count = args.Length > 2 ? int.Parse(args[2]) : 3000;
var concurrency = args.Length > 3 ? int.Parse(args[3]) : 50;
var url = new Uri(args.Length > 4 ? args[4] : "http://127.0.0.1:11333/");

var options = new SpamOptions { Url = url };
var rampart = new RspamdClient(options);
using var http = new HttpClient(new SocketsHttpHandler
{
    PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
    MaxResponseHeadersLength = 16,
    AllowAutoRedirect = false,
    UseProxy = false,
    AutomaticDecompression = DecompressionMethods.None,
}) { Timeout = Timeout.InfiniteTimeSpan, MaxResponseContentBufferSize = options.MaxReplyBytes };

MessageContext Message() => new(new SessionFacts
{
    SessionId = "S1",
    ListenerName = "inbound",
    Role = ListenerRole.Inbound,
    RemoteEndPoint = new IPEndPoint(IPAddress.Parse("192.0.2.10"), 40000),
    LocalEndPoint = new IPEndPoint(IPAddress.Loopback, 25),
    HeloName = "mx.sender.test",
}, "Q1", new Sender("a@sender.test"), [new Recipient("u@example.test")], new MemoryMessageContent(bytes));

async Task<bool> ByRampart() => await rampart.CheckAsync(Message(), default) is SpamCheck.Scored;

async Task<bool> ByHttpClient()
{
    var message = Message();
    await using var content = message.OpenClientContent();
    using var request = new HttpRequestMessage(HttpMethod.Post, options.CheckUri) { Content = new StreamContent(content, 64 * 1024) };
    request.Content.Headers.ContentLength = content.Length - content.Position;
    request.Content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
    request.Headers.TryAddWithoutValidation("IP", "192.0.2.10");
    request.Headers.TryAddWithoutValidation("Helo", "mx.sender.test");
    request.Headers.TryAddWithoutValidation("From", "a@sender.test");
    request.Headers.TryAddWithoutValidation("Rcpt", "u@example.test");
    request.Headers.TryAddWithoutValidation("Queue-Id", "Q1");
    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    var reply = await response.Content.ReadAsByteArrayAsync();
    return response.StatusCode == HttpStatusCode.OK && SpamReport.Parse(reply).Report is not null;
}

Func<Task<bool>> check = mode switch
{
    "rampart" => ByRampart,
    "httpclient" => ByHttpClient,
    _ => throw new ArgumentException("MODE: rampart or httpclient"),
};
for (int i = 0; i < 300; i++)
{
    if (!await check()) throw new InvalidOperationException("Rspamd did not score the message: is it running at " + url + "?");
}
var process = Process.GetCurrentProcess();
var cpu = process.TotalProcessorTime;
var clock = Stopwatch.StartNew();
var next = 0;
var failed = 0;
await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
{
    while (Interlocked.Increment(ref next) <= count)
    {
        if (!await check()) Interlocked.Increment(ref failed);
    }
}));
process.Refresh();
Console.WriteLine($"{mode,-10} {concurrency,3} in flight: {count / clock.Elapsed.TotalSeconds,6:0} checks/s, "
    + $"{(process.TotalProcessorTime - cpu).TotalMicroseconds / count,5:0} µs of CPU per check, {failed} failed");
