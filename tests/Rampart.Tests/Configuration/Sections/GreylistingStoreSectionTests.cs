using Rampart.Policy.Greylisting;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>greylisting_store: one store for every listener; SQLite by default, Redis named by its configuration string.</summary>
public sealed class GreylistingStoreSectionTests : ConfigTest
{
    private static string With(string store) => Valid + "\n" + store + "\n";

    [Theory]
    [InlineData("greylisting_store: {type: memcached}", "type: |memcached", "greylisting_store.type", "sqlite")]
    [InlineData("greylisting_store: {type: redis}", "greylisting_store: |{type", "greylisting_store.redis", "is required")]
    [InlineData("greylisting_store: {type: redis, redis: 'password=x'}", "redis: |'password", "greylisting_store.redis", "names no server")]
    [InlineData("greylisting_store: {type: redis, redis: '127.0.0.1:6379,nonsense=1'}", "redis: |'127", "greylisting_store.redis", "is not a Redis configuration string")]
    [InlineData("greylisting_store: {redis: '127.0.0.1:6379'}", "redis: |'127", "greylisting_store.redis", "only read with type: redis")]
    [InlineData("greylisting_store: {max_pending: 10}", "max_pending: |10", "greylisting_store.max_pending", "from 1000")]
    [InlineData("greylisting_store: {key_prefix: 'a b'}", "key_prefix: |'a b'", "greylisting_store.key_prefix", "printable ASCII")]
    [InlineData("greylisting_store: {tpye: redis}", "|tpye", "greylisting_store.tpye", "unknown key")]
    public void A_mistake_names_the_file_position_key_and_problem(string store, string at, string key, string problem) =>
        ConfigFile.AssertError(temp, With(store), at, key, problem);

    [Fact]
    public void Absent_is_SQLite_in_data_dir_with_the_default_cap()
    {
        Assert.Equal(new GreylistStoreOptions(), Load(Valid).GreylistingStore);
    }

    [Fact]
    public void Every_key_is_read()
    {
        var options = Load(With("""
            greylisting_store:
              type: redis
              redis: "10.0.0.5:6379,password=secret"
              key_prefix: "mx1:grey:"
              max_pending: 20000
            """)).GreylistingStore;

        Assert.Equal(new GreylistStoreOptions { Kind = GreylistStoreKind.Redis, Redis = "10.0.0.5:6379,password=secret", KeyPrefix = "mx1:grey:", MaxPending = 20000 }, options);
    }
}
