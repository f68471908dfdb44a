using Rampart.Mail;

namespace Rampart.Delivery.DropFolder;

/// <summary>The drop folder's outcome, as a reply for tracking and for a NOTIFY=SUCCESS notice.</summary>
internal static class DropFolderReplies
{
    public static SmtpReply WrittenTo(string path) => new(250, "2.0.0", $"written to {path}");
}
