namespace Rampart.Testing.Processes;

/// <summary>
/// A private OpenLDAP slapd as the organisation's directory: mdb database for dc=example,dc=test in a temp folder,
/// loaded with slapadd before start, listening on 127.0.0.1 and a free port. bob and carol are inetOrgPerson
/// entries with mail; dave has no mail attribute but Active Directory style proxyAddresses
/// ("SMTP:dave@example.test", "smtp:alias@example.test"), with the attribute defined as in AD's schema.
/// Can be stopped and started again on the same port and data, to play a directory outage.
/// </summary>
public sealed class SlapdServer : IAsyncDisposable
{
    public const string BaseDn = "dc=example,dc=test";
    public const string BindDn = "cn=rampart,dc=example,dc=test";
    public const string BindPassword = "gateway-secret";

    private readonly TempDirectory temp = new("rampart-slapd");
    private ChildProcess? slapd;

    private SlapdServer()
    {
        Port = FreePort.Next();
    }

    public int Port { get; }
    public string Url => $"ldap://127.0.0.1:{Port}";
    public string Folder => temp.Path;

    /// <summary>A file holding <see cref="BindPassword"/>, as the gateway's password_file.</summary>
    public string PasswordFile => temp.File("bind.secret");

    /// <summary>
    /// The gateway's <c>recipients: ldap:</c> value for this directory (URL, base, bind DN and password file) as a YAML
    /// flow mapping; <paramref name="more"/> adds keys ("timeout: 2s").
    /// </summary>
    public string GatewayLdapYaml(params string[] more) =>
        "{" + string.Join(", ", [$"url: \"{Url}\"", $"base_dn: \"{BaseDn}\"", $"bind_dn: \"{BindDn}\"", $"password_file: \"{PasswordFile}\"", .. more]) + "}";

    public static async Task<SlapdServer> StartAsync()
    {
        var server = new SlapdServer();
        try
        {
            await server.SetUpAsync();
            await server.RestartAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private async Task SetUpAsync()
    {
        Directory.CreateDirectory(temp.File("db"));
        await File.WriteAllTextAsync(temp.File("slapd.conf"), Config(temp.Path));
        await File.WriteAllTextAsync(temp.File("entries.ldif"), Entries);
        await File.WriteAllTextAsync(PasswordFile, BindPassword + "\n");
        var add = await ChildProcess.RunAsync(RequiredTool.Find("slapadd"), ["-f", temp.File("slapd.conf"), "-l", temp.File("entries.ldif")], TimeSpan.FromSeconds(30));
        if (add.ExitCode != 0) throw new InvalidOperationException($"slapadd failed.\n{add.Describe()}");
    }

    /// <summary>
    /// Starts slapd (again) and waits until it answers the gateway's bind (ldapwhoami as <see cref="BindDn"/>): an open
    /// port alone is not a directory that answers, and a test that asks right after a restart must get an answer.
    /// </summary>
    public async Task RestartAsync()
    {
        slapd = ChildProcess.Start(RequiredTool.Find("slapd"), ["-d", "0", "-h", $"ldap://127.0.0.1:{Port}/", "-f", temp.File("slapd.conf")]);
        await slapd.WaitForPortAsync(Port, TimeSpan.FromSeconds(20));
        var whoami = RequiredTool.Find("ldapwhoami");
        string last = "";
        await BoundedWait.UntilAsync(async left =>
        {
            await using var bind = await ChildProcess.RunAsync(whoami, ["-x", "-H", Url, "-D", BindDn, "-w", BindPassword], left);
            last = bind.Describe();
            return bind.ExitCode == 0;
        }, "slapd answering a bind", TimeSpan.FromSeconds(20), () => last, TimeSpan.FromMilliseconds(100));
    }

    /// <summary>Stops slapd and waits (bounded) for it to exit, so the port refuses connections.</summary>
    public async Task StopAsync()
    {
        if (slapd is null) return;
        slapd.Terminate();
        try
        {
            await slapd.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            slapd.Kill();
        }
        await slapd.DisposeAsync();
        slapd = null;
    }

    private static string Config(string dir) => $"""
        include /etc/ldap/schema/core.schema
        include /etc/ldap/schema/cosine.schema
        include /etc/ldap/schema/inetorgperson.schema
        # Active Directory's proxyAddresses (its OID), on an auxiliary class of our own.
        attributetype ( 1.2.840.113556.1.2.210 NAME 'proxyAddresses' EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
        objectclass ( 1.3.6.1.4.1.32473.1.1 NAME 'rampartTestMailRecipient' SUP top AUXILIARY MAY proxyAddresses )
        pidfile {dir}/slapd.pid
        argsfile {dir}/slapd.args
        modulepath /usr/lib/ldap
        moduleload back_mdb
        database mdb
        maxsize 10485760
        suffix "{BaseDn}"
        rootdn "cn=admin,{BaseDn}"
        rootpw admin-secret
        directory {dir}/db
        index objectClass eq
        index mail eq
        access to attrs=userPassword by self write by anonymous auth by * none
        access to * by users read by * none
        """;

    private const string Entries = $"""
        dn: {BaseDn}
        objectClass: dcObject
        objectClass: organization
        dc: example
        o: Example

        dn: ou=people,{BaseDn}
        objectClass: organizationalUnit
        ou: people

        dn: {BindDn}
        objectClass: person
        objectClass: simpleSecurityObject
        cn: rampart
        sn: gateway
        userPassword: {BindPassword}

        dn: uid=bob,ou=people,{BaseDn}
        objectClass: inetOrgPerson
        uid: bob
        cn: Bob
        sn: Builder
        mail: bob@example.test

        dn: uid=carol,ou=people,{BaseDn}
        objectClass: inetOrgPerson
        uid: carol
        cn: Carol
        sn: Singer
        mail: Carol@Example.test

        dn: uid=dave,ou=people,{BaseDn}
        objectClass: inetOrgPerson
        objectClass: rampartTestMailRecipient
        uid: dave
        cn: Dave
        sn: Diver
        proxyAddresses: SMTP:dave@example.test
        proxyAddresses: smtp:alias@example.test
        proxyAddresses: X500:/o=Example/cn=dave

        """;

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        temp.Dispose();
    }
}
