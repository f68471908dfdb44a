using System.CommandLine;
using Rampart.Commands;

// `run` handles SIGTERM/SIGINT itself (clean stop, exit 0); System.CommandLine's own handler would
// otherwise race it during start-up and force exit code 143.
// No response files: "@sales.example" is a send-as domain for `rampart user add`, not a file of arguments.
var parsing = new ParserConfiguration { ResponseFileTokenReplacer = null };
return await RampartCommandLine.Build().Parse(args, parsing).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
