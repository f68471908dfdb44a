using System.CommandLine;
using Rampart.Commands;

// `run` handles SIGTERM/SIGINT itself (clean stop, exit 0); System.CommandLine's own handler would
// otherwise race it during start-up and force exit code 143.
return await RampartCommandLine.Build().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
