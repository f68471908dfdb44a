using Rampart.Bench;

// Rampart.Bench: a raw-SMTP load generator for the gateway, loopback only. See bench/README.md.
const string usage =
    "usage: Rampart.Bench <command> [options]\n\ncommands:\n" + Acceptance.Usage + "\n" + Idle.Usage;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(usage);
    return args.Length == 0 ? 2 : 0;
}

try
{
    return args[0] switch
    {
        "acceptance" => await Acceptance.RunAsync(new Options(args.Skip(1), Acceptance.Known)),
        "idle" => await Idle.RunAsync(new Options(args.Skip(1), Idle.Known)),
        _ => throw new UsageException($"unknown command '{args[0]}'"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}\n\n{usage}");
    return 2;
}
