using System.CommandLine;
using System.Text;
using Rampart.Auth;
using Rampart.Smtp.Protocol;

namespace Rampart.Commands;

/// <summary>
/// `rampart user add|remove|list|passwd`: the users who may SMTP AUTH, in data_dir/users.db. A password is
/// never taken from the command line or the environment, where ps and /proc/PID/environ show it: it is read
/// from standard input (the first line) when that is not a terminal, otherwise asked for twice without echo.
/// Exit codes: 0 done, 1 no such user or already there, 2 bad configuration or arguments.
/// </summary>
public static class UserCommand
{
    private static readonly Argument<string> NameArgument = new("name") { Description = "The user name clients give to AUTH, usually their address" };

    public static Command Create()
    {
        var command = new Command("user", "Manage the users who may authenticate (SMTP AUTH)");
        command.Subcommands.Add(Add());
        command.Subcommands.Add(Remove());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Passwd());
        return command;
    }

    private static Command Add()
    {
        var sendAs = new Option<string[]>("--send-as")
        {
            Description = "An address the user may give in MAIL FROM, or @domain for all of a domain; repeat for more. Default: the name, if it is an address.",
        };
        var command = new Command("add", "Add a user; the password is read from standard input or asked for") { NameArgument, sendAs, RampartCommandLine.ConfigOption };
        command.SetAction(result =>
        {
            if (OpenStore(result) is not { } store) return 2;
            var name = result.GetValue(NameArgument)!.Trim();
            if (name.Length is 0 or > 255 || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                return Fail(2, $"'{name}' is not a user name: 1-255 characters, no spaces");
            }
            var addresses = result.GetValue(sendAs) is { Length: > 0 } given ? given.ToList()
                : AddressParser.IsMailbox(name) ? [name] : [];
            foreach (var a in addresses)
            {
                bool valid = a.StartsWith('@') ? AddressParser.IsDomain(a[1..]) : AddressParser.IsMailbox(a);
                if (!valid) return Fail(2, $"--send-as '{a}' is neither an address nor @domain");
            }
            if (ReadPassword() is not { } password) return 2;
            if (!store.Add(name, password, addresses)) return Fail(1, $"user '{name}' already exists; use `rampart user passwd` to change the password");
            Console.WriteLine($"user {name} added to {store.Path}; may send as: {Show(addresses)}");
            return 0;
        });
        return command;
    }

    private static Command Remove()
    {
        var command = new Command("remove", "Remove a user") { NameArgument, RampartCommandLine.ConfigOption };
        command.SetAction(result =>
        {
            if (OpenStore(result) is not { } store) return 2;
            var name = result.GetValue(NameArgument)!;
            if (!store.Remove(name)) return Fail(1, $"no user '{name}' in {store.Path}");
            Console.WriteLine($"user {name} removed");
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List the users and the addresses each may send as") { RampartCommandLine.ConfigOption };
        command.SetAction(result =>
        {
            if (OpenStore(result) is not { } store) return 2;
            foreach (var user in store.List()) Console.WriteLine($"{user.Name}\tsend-as: {Show(user.SendAs)}");
            return 0;
        });
        return command;
    }

    private static Command Passwd()
    {
        var command = new Command("passwd", "Set a user's password; read from standard input or asked for") { NameArgument, RampartCommandLine.ConfigOption };
        command.SetAction(result =>
        {
            if (OpenStore(result) is not { } store) return 2;
            var name = result.GetValue(NameArgument)!;
            if (store.List().All(u => !u.Name.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase))) return Fail(1, $"no user '{name}' in {store.Path}");
            if (ReadPassword() is not { } password) return 2;
            store.SetPassword(name, password);
            Console.WriteLine($"password of {name} changed");
            return 0;
        });
        return command;
    }

    private static UserStore? OpenStore(System.CommandLine.ParseResult result)
    {
        var options = ConfigOutput.LoadOrReport(result.GetValue(RampartCommandLine.ConfigOption));
        if (options is null) return null;
        Rampart.Queue.OwnerOnly.CreateDirectory(options.DataDir);
        return new UserStore(UserStore.DefaultPath(options.DataDir));
    }

    private static string? ReadPassword()
    {
        string? password;
        if (Console.IsInputRedirected)
        {
            password = Console.In.ReadLine();
        }
        else
        {
            password = Prompt("Password: ");
            if (password != Prompt("Again: "))
            {
                Fail(2, "the passwords differ");
                return null;
            }
        }
        if (string.IsNullOrEmpty(password))
        {
            Fail(2, "no password given (one line on standard input, or typed at the prompt)");
            return null;
        }
        return password;
    }

    private static string Prompt(string label)
    {
        Console.Error.Write(label);
        var text = new StringBuilder();
        while (Console.ReadKey(intercept: true) is var key && key.Key != ConsoleKey.Enter)
        {
            if (key.Key == ConsoleKey.Backspace) { if (text.Length > 0) text.Length--; }
            else if (!char.IsControl(key.KeyChar)) text.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return text.ToString();
    }

    private static string Show(IReadOnlyList<string> addresses) => addresses.Count == 0 ? "(nothing)" : string.Join(", ", addresses);

    private static int Fail(int code, string message) => ConfigOutput.Fail(code, message);
}
