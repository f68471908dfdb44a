namespace Rampart.Auth.Tests;

public sealed class UserStoreTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("rampart-users").FullName;
    private readonly UserStore store;

    public UserStoreTests() => store = new UserStore(Path.Combine(dir, "users.db"), iterations: 1000);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Add_verify_passwd_remove()
    {
        Assert.True(store.Add("alice@example.test", "s3cret", ["alice@example.test", "@sales.test"]));
        Assert.False(store.Add("ALICE@example.test", "other", []));
        Assert.True(store.Verify("alice@example.test", "s3cret"));
        Assert.True(store.Verify("Alice@Example.Test", "s3cret"));
        Assert.False(store.Verify("alice@example.test", "S3cret"));

        Assert.True(store.SetPassword("alice@example.test", "new"));
        Assert.False(store.Verify("alice@example.test", "s3cret"));
        Assert.True(store.Verify("alice@example.test", "new"));

        Assert.True(store.Remove("alice@example.test"));
        Assert.False(store.Remove("alice@example.test"));
        Assert.False(store.Verify("alice@example.test", "new"));
        Assert.Empty(store.SendAsOf("alice@example.test"));
    }

    [Fact]
    public void Unknown_users_fail_and_changes_say_so()
    {
        Assert.False(store.Verify("nobody@example.test", ""));
        Assert.False(store.SetPassword("nobody", "x"));
        Assert.False(store.Remove("nobody"));
    }

    [Fact]
    public void List_gives_each_user_with_their_addresses()
    {
        store.Add("bob", "pw", []);
        store.Add("alice@example.test", "pw", ["alice@example.test", "sales@example.test"]);
        var users = store.List();
        Assert.Equal(["alice@example.test", "bob"], users.Select(u => u.Name));
        Assert.Equal(["alice@example.test", "sales@example.test"], users[0].SendAs);
        Assert.Empty(users[1].SendAs);
        Assert.Equal(["alice@example.test", "sales@example.test"], store.SendAsOf("ALICE@example.test"));
    }

    [Fact]
    public void The_file_is_readable_by_its_owner_only()
    {
        store.Add("bob", "pw", []);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.Path));

        // A mode the administrator chose (a group that backs it up, say) is kept.
        var chosen = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        File.SetUnixFileMode(store.Path, chosen);
        new UserStore(store.Path).Add("carol", "pw", []);
        Assert.Equal(chosen, File.GetUnixFileMode(store.Path));
    }

    [Fact]
    public void No_password_is_stored_in_clear()
    {
        store.Add("bob", "VeryRecognisablePassword", []);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Assert.DoesNotContain("VeryRecognisablePassword", System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(store.Path)));
    }
}
