using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HybridCacheKit.StackExchangeRedis.Tests.Connection;

/// <summary>
/// Settings beyond what they can be used with are refused at start-up, naming the setting. Before: a LockExpiry under
/// 1 ms truncated to PX 0, which Redis refuses, so every acquire failed and stampede protection was silently off; timeouts
/// over 49.7 days passed validation and threw inside calls (.NET timers refuse them), and a LockExpiry that long threw
/// after the lock was taken.
/// </summary>
public sealed class RedisOptionsLimitsTests
{
    public static TheoryData<string, TimeSpan> OutOfRange => new()
    {
        { nameof(HybridCacheKitRedisOptions.LockExpiry), TimeSpan.FromTicks(5_000) },
        { nameof(HybridCacheKitRedisOptions.LockExpiry), TimeSpan.FromMilliseconds(9) },
        { nameof(HybridCacheKitRedisOptions.LockExpiry), TimeSpan.FromDays(31) },
        { nameof(HybridCacheKitRedisOptions.LockExpiry), TimeSpan.MaxValue },
        { nameof(HybridCacheKitRedisOptions.OperationTimeout), TimeSpan.FromDays(60) },
        { nameof(HybridCacheKitRedisOptions.OperationTimeout), TimeSpan.MaxValue },
        { nameof(HybridCacheKitRedisOptions.LockWaitTimeout), TimeSpan.MaxValue },
        { nameof(HybridCacheKitRedisOptions.CircuitBreakDuration), TimeSpan.MaxValue },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public async Task AddStackExchangeRedis_SettingOutOfRange_ResolveThrowsNamingIt(string setting, TimeSpan value)
    {
        await using var provider = Build(o => typeof(HybridCacheKitRedisOptions).GetProperty(setting)!.SetValue(o, value));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<HybridCacheKitRedisOptions>>().Value);

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddStackExchangeRedis_ShortestAndLongestAccepted_Valid()
    {
        await using var shortest = Build(o => o.LockExpiry = TimeSpan.FromMilliseconds(10));
        await using var longest = Build(o =>
        {
            o.LockExpiry = TimeSpan.FromDays(30);
            o.OperationTimeout = TimeSpan.FromDays(30);
            o.LockWaitTimeout = TimeSpan.FromDays(30);
            o.CircuitBreakDuration = TimeSpan.FromDays(30);
        });

        Assert.Equal(TimeSpan.FromMilliseconds(10), shortest.GetRequiredService<IOptions<HybridCacheKitRedisOptions>>().Value.LockExpiry);
        Assert.Equal(TimeSpan.FromDays(30), longest.GetRequiredService<IOptions<HybridCacheKitRedisOptions>>().Value.LockExpiry);
    }

    [Theory]
    [InlineData("127.0.0.1:6379,connectTimeout=abc", "")]
    [InlineData("127.0.0.1:6379,password=Se,cret=x1", "cret")] // a password holding ',' splits into an unknown "setting"
    [InlineData("127.0.0.1:6379,nosuchsetting=1", "nosuchsetting")]
    public async Task AddStackExchangeRedis_ConfigurationStringThatDoesNotParse_ResolveThrowsWithoutQuotingIt(string configuration, string notQuoted)
    {
        // Before, it passed validation: the app started, every Redis call failed, and the health check showed the
        // parser's message, which quoted part of the password.
        await using var provider = Build(o => o.Configuration = configuration);

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<HybridCacheKitRedisOptions>>().Value);

        Assert.Contains("Configuration is not a valid StackExchange.Redis configuration string", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Se,cret", error.Message, StringComparison.Ordinal);
        if (notQuoted.Length > 0)
        {
            Assert.DoesNotContain(notQuoted, error.Message, StringComparison.Ordinal);
        }
    }

    private static ServiceProvider Build(Action<HybridCacheKitRedisOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddHybridCacheKit().AddStackExchangeRedis(o =>
        {
            o.Configuration = "127.0.0.1:1";
            configure(o);
        });
        return services.BuildServiceProvider();
    }
}
