using Xunit;

namespace HybridCacheKit.TestUtilities.Redis;

/// <summary>
/// One <see cref="RedisServer"/> shared by the tests of an xunit collection. xunit only honours
/// collection definitions declared in the test assembly itself, so each test project adds:
/// <code>
/// [CollectionDefinition(RedisServerFixture.CollectionName)]
/// public sealed class RedisCollection : ICollectionFixture&lt;RedisServerFixture&gt;;
/// </code>
/// and marks its test classes <c>[Collection(RedisServerFixture.CollectionName)]</c>, taking the
/// fixture as a constructor parameter. Tests in one collection run one after another; a test
/// that kills or pauses Redis should start its own server with <see cref="RedisServer.StartAsync"/>
/// instead of breaking the shared one.
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    /// <summary>The collection name to use in <c>[CollectionDefinition]</c> and <c>[Collection]</c>.</summary>
    public const string CollectionName = "redis";

    private RedisServer? _server;

    /// <summary>The running server; available once xunit has initialized the fixture.</summary>
    public RedisServer Server => _server ?? throw new InvalidOperationException("The Redis fixture is not initialized.");

    /// <summary>Shortcut for <see cref="RedisServer.ConfigurationString"/>.</summary>
    public string ConfigurationString => Server.ConfigurationString;

    /// <inheritdoc />
    public async Task InitializeAsync() => _server = await RedisServer.StartAsync().ConfigureAwait(false);

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
