using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.Tests.Infrastructure;

[Collection(RedisServerFixture.CollectionName)]
public sealed class RedisServerFixtureTests(RedisServerFixture fixture)
{
    [Fact]
    public async Task Server_InCollection_IsRunningAndAnswersPing()
    {
        await using var client = await fixture.Server.CreateClientAsync();

        Assert.Equal("PONG", (await client.ExecuteAsync("PING")).Text);
        Assert.Equal(fixture.Server.ConfigurationString, fixture.ConfigurationString);
    }

    [Fact]
    public async Task Server_BeforeInitialize_Throws()
    {
        var uninitialized = new RedisServerFixture();

        Assert.Throws<InvalidOperationException>(() => uninitialized.Server);
        await uninitialized.DisposeAsync();
    }
}
