using System.CommandLine;

namespace Rampart.Commands;

/// <summary>The `rampart` command and its verbs; each verb lives in its own file.</summary>
public static class RampartCommandLine
{
    public static readonly Option<FileInfo?> ConfigOption = new("--config", "-c")
    {
        Description = "Configuration file (YAML). Without it: /etc/rampart/rampart.yaml if it exists, else the embedded default (loopback listeners, data under ./data).",
    };

    public static RootCommand Build()
    {
        var root = new RootCommand("Rampart: SMTP edge mail gateway");
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(CheckConfigCommand.Create());
        root.Subcommands.Add(UserCommand.Create());
        root.Subcommands.Add(QuarantineCommand.Create());
        root.Subcommands.Add(TrackCommand.Create());
        root.Subcommands.Add(StatsCommand.Create());
        root.Subcommands.Add(Queue.QueueCommand.Create());
        root.Subcommands.Add(DkimCommand.Create());
        root.Subcommands.Add(RulesCommand.Create());
        return root;
    }
}
