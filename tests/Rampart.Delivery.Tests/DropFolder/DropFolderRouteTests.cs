using Rampart.Delivery.DropFolder;
using Rampart.Delivery.Tests.Scheduling;
using Rampart.Mail;
using Rampart.Testing;

namespace Rampart.Delivery.Tests.DropFolder;

public sealed class DropFolderRouteTests : IDisposable
{
    private readonly SpoolFixture spool = new();
    private readonly TempDirectory folder = new("rampart-drop");

    public void Dispose()
    {
        folder.Dispose();
        spool.Dispose();
    }

    [Fact]
    public async Task Each_recipient_is_delivered_with_a_250_that_names_the_file_at_the_route_s_time()
    {
        using var route = new DropFolderRoute("local", folder.Path, spool.Clock);
        var message = await spool.SubmitAsync("bob@example.test", "carol@example.test");
        await using var session = route.OpenSession("local");

        var outcomes = await session.DeliverAsync(message, [0, 1], CancellationToken.None);

        var path = Path.Combine(folder.Path, message.QueueId + ".eml");
        Assert.All(outcomes, o =>
        {
            Assert.Equal(RecipientStatus.Delivered, o.Status);
            Assert.Equal($"250 2.0.0 written to {path}", o.Reply.ToString());
            Assert.Equal(spool.Clock.GetUtcNow(), o.At);
        });
        var written = await File.ReadAllTextAsync(path);
        Assert.StartsWith($"Return-Path: <{SpoolFixture.Sender}>\r\nDelivered-To: bob@example.test\r\nDelivered-To: carol@example.test\r\n", written);
    }
}
