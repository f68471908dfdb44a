using System.Text;
using MimeKit;
using Rampart.Policy.Tests.Attachments;

namespace Rampart.Policy.Tests;

public class MessageContextTests
{
    /// <summary>
    /// A header block of tiny fields up to the size limit is tens of thousands of objects; the context keeps only
    /// the author fields the header filters judge, so the block is not held while the attachment filter parses the
    /// message again.
    /// </summary>
    [Fact]
    public async Task Only_the_author_fields_are_kept_of_the_header_block()
    {
        var block = new StringBuilder("Received: from x\r\nFrom: Alice <a@foreign.test>\r\n");
        for (var i = 0; i < 5000; i++) block.Append($"X-H{i}: v\r\n");
        block.Append("Sender: b@foreign.test\r\nSubject: s\r\nFrom: second@foreign.test\r\n\r\nbody\r\n");
        var context = Samples.Context(Encoding.ASCII.GetBytes(block.ToString()));

        var fields = await context.AuthorFieldsAsync(CancellationToken.None);

        Assert.NotNull(fields);
        Assert.Equal(["From", "Sender", "From"], fields.Select(f => f.Field));
        Assert.Equal(["Alice <a@foreign.test>", "b@foreign.test", "second@foreign.test"], fields.Select(f => f.Value));
        Assert.Same(fields, await context.AuthorFieldsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_block_that_cannot_be_parsed_is_null()
    {
        var context = Samples.Context("not a header line\r\n\r\nbody\r\n"u8.ToArray());

        Assert.Null(await context.AuthorFieldsAsync(CancellationToken.None));
    }
}
