using HybridCacheKit.StackExchangeRedis.Internal;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.StackExchangeRedis.Tests.DistributedCache;

/// <summary>The expiration arithmetic of the layout, without a server.</summary>
public sealed class RedisDistributedCacheLayoutTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(600.0, null, 600L)]
    [InlineData(90.25, null, 91L)]
    [InlineData(0.001, null, 1L)]
    [InlineData(null, 120.0, 120L)]
    [InlineData(600.0, 120.0, 120L)]
    [InlineData(30.0, 120.0, 30L)]
    [InlineData(-5.0, 120.0, 0L)]
    [InlineData(null, null, null)]
    public void GetTtlSeconds_Combinations_MinOfRemainingAndSlidingRoundedUp(double? absoluteInSeconds, double? slidingSeconds, long? expected)
    {
        long? absolute = absoluteInSeconds is { } a ? (Now + TimeSpan.FromSeconds(a)).UtcTicks : null;
        long? sliding = slidingSeconds is { } s ? TimeSpan.FromSeconds(s).Ticks : null;

        Assert.Equal(expected, RedisDistributedCache.GetTtlSeconds(Now.UtcTicks, absolute, sliding));
    }

    [Fact]
    public void GetTtlSeconds_LargestExpirations_StaysWithinTimeSpan()
    {
        var seconds = RedisDistributedCache.GetTtlSeconds(Now.UtcTicks, DateTimeOffset.MaxValue.UtcTicks, TimeSpan.MaxValue.Ticks);

        Assert.NotNull(seconds);
        _ = TimeSpan.FromSeconds(seconds.Value);
    }

    [Fact]
    public void GetAbsoluteExpiration_RelativeSet_CountsFromNow()
    {
        var absolute = RedisDistributedCache.GetAbsoluteExpiration(Now, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5) });

        Assert.Equal(Now + TimeSpan.FromMinutes(5), absolute);
    }

    [Fact]
    public void GetAbsoluteExpiration_BothSet_RelativeWins()
    {
        var options = new DistributedCacheEntryOptions { AbsoluteExpiration = Now + TimeSpan.FromHours(1), AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5) };

        Assert.Equal(Now + TimeSpan.FromMinutes(5), RedisDistributedCache.GetAbsoluteExpiration(Now, options));
    }

    [Fact]
    public void GetAbsoluteExpiration_AbsoluteInPastEvenWithRelative_Throws()
    {
        var options = new DistributedCacheEntryOptions { AbsoluteExpiration = Now - TimeSpan.FromSeconds(1), AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5) };

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => RedisDistributedCache.GetAbsoluteExpiration(Now, options));

        Assert.Equal("AbsoluteExpiration", ex.ParamName);
    }

    [Fact]
    public void GetAbsoluteExpiration_NoneSet_Null()
        => Assert.Null(RedisDistributedCache.GetAbsoluteExpiration(Now, new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(1) }));

    [Theory]
    [InlineData("NOPERM this user has no permissions to run the 'evalsha' command", true)]
    [InlineData("NOPERM this user has no permissions to run the 'eval' command", true)]
    [InlineData("NOPERM this user has no permissions to access one of the keys used as arguments", false)]
    [InlineData("ERR unknown command 'evalsha', with args beginning with: 'abc' '1' 'secret-key'", true)]
    [InlineData("ERR unknown command 'hmget', with args beginning with: 'secret-key'", false)]
    [InlineData("NOSCRIPT No matching script. Please use EVAL.", false)]
    [InlineData("WRONGTYPE Operation against a key holding the wrong kind of value", false)]
    public void ServerScriptRefusal_ServerErrors_OnlyScriptRefusalsCount(string message, bool refused)
    {
        var reason = RedisDistributedCache.ServerScriptRefusal(message);

        Assert.Equal(refused, reason is not null);
        Assert.DoesNotContain("secret-key", reason ?? string.Empty, StringComparison.Ordinal);
    }
}
