using Rampart.Commands;

return await RampartCommandLine.Build().Parse(args).InvokeAsync();
