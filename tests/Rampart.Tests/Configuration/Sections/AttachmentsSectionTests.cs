using Rampart.Configuration;
using Rampart.Policy.Attachments;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>A listener's attachments: block and allow entries, what a finding leads to, and the archive limits; the attachment options' own checks are reached through the file.</summary>
public sealed class AttachmentsSectionTests : ConfigTest
{
    [Theory]
    [InlineData("    port: 2525", "    port: 2525\n    attachments: {block: [exectuable]}", "block: |[", "listeners.inbound.attachments.block", "'exectuable' is not a category")]
    [InlineData("    port: 2525", "    port: 2525\n    attachments: {action: delete}", "action: |delete", "listeners.inbound.attachments.action", "'delete' is not one of reject, strip, quarantine")]
    [InlineData("    port: 2525", "    port: 2525\n    attachments: {malformed: strip}", "malformed: |strip", "listeners.inbound.attachments.malformed", "'strip' is not one of reject, quarantine")]
    [InlineData("    port: 2525", "    port: 2525\n    attachments: {unreadable_archives: pass}", "unreadable_archives: |pass", "listeners.inbound.attachments.unreadable_archives", "'pass' is not one of block, allow")]
    [InlineData("    port: 2525", "    port: 2525\n    attachments: {archives: {max_depth: 40}}", "max_depth: |40", "listeners.inbound.attachments.archives.max_depth", "'40' is not a whole number from 0 to 16")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    [Fact]
    public void The_defaults_are_valid()
    {
        var attachments = Inbound("    port: 2525", "    port: 2525\n    attachments: {}").Attachments!;
        var d = new AttachmentOptions();

        Assert.Equal(d.Block, attachments.Block);
        Assert.Empty(attachments.Allow);
        Assert.Equal((d.Action, d.EncryptedArchives, d.UnreadableArchives, d.MalformedAction),
            (attachments.Action, attachments.EncryptedArchives, attachments.UnreadableArchives, attachments.MalformedAction));
        Assert.Equal((d.MaxArchiveDepth, d.MaxCompressionRatio, d.MaxExpandedBytes, d.MaxArchiveEntries, d.MaxMimeDepth, d.MaxParts),
            (attachments.MaxArchiveDepth, attachments.MaxCompressionRatio, attachments.MaxExpandedBytes, attachments.MaxArchiveEntries, attachments.MaxMimeDepth, attachments.MaxParts));
    }

    [Theory]
    [InlineData("exectuable")]
    [InlineData("xyz")]
    [InlineData(".")]
    [InlineData("a/b/c")]
    [InlineData("")]
    public void Unknown_entries_are_configuration_errors(string entry) =>
        AssertMistake("    port: 2525", $"    port: 2525\n    attachments: {{block: [\"{entry}\"]}}",
            "block: |[", "listeners.inbound.attachments.block", $"'{entry}' is not a category");

    [Theory]
    [InlineData("malformed: strip", "malformed: |strip", "malformed", "'strip' is not one of reject, quarantine")]
    [InlineData("archives: {max_depth: -1}", "max_depth: |-1", "archives.max_depth", "'-1' is not a whole number from 0 to 16")]
    [InlineData("archives: {max_ratio: 0}", "max_ratio: |0", "archives.max_ratio", "'0' is not a whole number from 1")]
    [InlineData("archives: {max_expanded_size: 0}", "max_expanded_size: |0", "archives.max_expanded_size", "'0' is not a size from 1024")]
    [InlineData("archives: {max_entries: 0}", "max_entries: |0", "archives.max_entries", "'0' is not a whole number from 1")]
    [InlineData("max_mime_depth: 0", "max_mime_depth: |0", "max_mime_depth", "'0' is not a whole number from 1 to 1000")]
    [InlineData("max_parts: 0", "max_parts: |0", "max_parts", "'0' is not a whole number from 1")]
    [InlineData("allow: [nonsense]", "allow: |[", "allow", "'nonsense' is not a category")]
    [InlineData("archives: {depth: 2}", "|depth", "archives.depth", "unknown key")]
    public void Bad_values_are_named(string line, string at, string key, string problem) =>
        AssertMistake("    port: 2525", $"    port: 2525\n    attachments: {{{line}}}", at, $"listeners.inbound.attachments.{key}", problem);

    [Fact]
    public void The_attachment_keys_are_read()
    {
        var attachments = Inbound("    port: 2525",
            "    port: 2525\n    attachments: {block: [.exe], allow: [document], action: Strip, encrypted_archives: allow, unreadable_archives: allow, malformed: quarantine, archives: {max_depth: 2, max_ratio: 50, max_expanded_size: 10MiB, max_entries: 20}, max_mime_depth: 8, max_parts: 30}").Attachments!;

        Assert.Equal([".exe"], attachments.Block);
        Assert.Equal(["document"], attachments.Allow);
        Assert.Equal((AttachmentAction.Strip, EncryptedArchivePolicy.Allow, UnreadableArchivePolicy.Allow, AttachmentAction.Quarantine),
            (attachments.Action, attachments.EncryptedArchives, attachments.UnreadableArchives, attachments.MalformedAction));
        Assert.Equal((2, 50, 10L * 1024 * 1024, 20, 8, 30),
            (attachments.MaxArchiveDepth, attachments.MaxCompressionRatio, attachments.MaxExpandedBytes, attachments.MaxArchiveEntries, attachments.MaxMimeDepth, attachments.MaxParts));
    }
}
