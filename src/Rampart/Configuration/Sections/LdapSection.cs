using Rampart.Mail;
using Rampart.Policy.Recipients;

namespace Rampart.Configuration.Sections;

/// <summary>recipients.ldap: the directory, the account to bind as (its password in a file), the filter and the caches.</summary>
internal static class LdapSection
{
    public static LdapOptions? Read(Section? s, string baseDir)
    {
        if (s is null) return null;
        var urlText = s.RequiredString("url");
        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || url.Scheme is not ("ldap" or "ldaps") || url.Host.Length == 0)
        {
            throw s.Error("url", $"'{urlText}' is not ldap://host[:port] or ldaps://host[:port]");
        }
        // System.Uri turns "0x7f.1" into 127.0.0.1 and the LDAP library's resolver "010.0.0.1" into 8.0.0.1.
        if (IpSyntax.HasLooseHost(urlText)) throw s.Error("url", $"the host of '{urlText}' is not a strictly written IP address: {IpSyntax.Rule}");
        var d = new LdapOptions(new LdapSettings { Url = url, BaseDn = "" });
        var bindDn = s.String("bind_dn");
        var password = s.String("password_file") is { } file ? ReadPassword(s, Path.GetFullPath(file, baseDir)) : null;
        if (bindDn is not null && password is null) throw s.Error("bind_dn", "needs password_file");
        if (bindDn is null && password is not null) throw s.Error("password_file", "needs bind_dn");
        var filter = s.String("filter", d.Settings.Filter)!;
        if (!filter.StartsWith('(') || !filter.EndsWith(')') || !filter.Contains("%s", StringComparison.Ordinal))
        {
            throw s.Error("filter", $"'{filter}' is not an LDAP filter in parentheses with %s where the address goes");
        }
        var ldap = new LdapOptions(d.Settings with
        {
            BaseDn = s.RequiredString("base_dn"),
            BindDn = bindDn,
            Password = password,
            Filter = filter,
            Timeout = s.Duration("timeout", d.Settings.Timeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)),
        })
        {
            CacheTtl = s.Duration("cache_ttl", d.CacheTtl, TimeSpan.Zero, TimeSpan.FromDays(1)),
            NegativeCacheTtl = s.Duration("negative_cache_ttl", d.NegativeCacheTtl, TimeSpan.Zero, TimeSpan.FromDays(1)),
        };
        s.Finish();
        return ldap;
    }

    private static string ReadPassword(Section s, string path)
    {
        try
        {
            // The first line only: files written with echo end in a newline that is no part of the password.
            return File.ReadLines(path).FirstOrDefault() ?? "";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw s.Error("password_file", $"cannot read '{path}': {ex.Message}");
        }
    }
}
