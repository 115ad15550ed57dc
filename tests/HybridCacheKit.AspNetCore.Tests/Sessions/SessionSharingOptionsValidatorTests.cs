using HybridCacheKit.AspNetCore.Sessions;

namespace HybridCacheKit.AspNetCore.Tests.Sessions;

public sealed class SessionSharingOptionsValidatorTests
{
    public static TheoryData<TimeSpan> InvalidStoreTimeouts => new()
    {
        TimeSpan.Zero,
        TimeSpan.FromSeconds(-1),
        Timeout.InfiniteTimeSpan,
        TimeSpan.FromDays(30) + TimeSpan.FromTicks(1),
        TimeSpan.MaxValue,
    };

    public static TheoryData<TimeSpan> ValidStoreTimeouts => new()
    {
        TimeSpan.FromTicks(1),
        TimeSpan.FromMilliseconds(250),
        TimeSpan.FromDays(30),
    };

    [Fact]
    public void StoreTimeout_Default_FiveSecondsAndValid()
    {
        var options = new SessionSharingOptions();

        Assert.Equal(TimeSpan.FromSeconds(5), options.StoreTimeout);
        Assert.True(new SessionSharingOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [MemberData(nameof(InvalidStoreTimeouts))]
    public void Validate_StoreTimeoutOutOfRange_FailsNamingIt(TimeSpan value)
    {
        var result = new SessionSharingOptionsValidator().Validate(null, new SessionSharingOptions { StoreTimeout = value });

        Assert.True(result.Failed);
        Assert.Contains("StoreTimeout must be positive and at most 30 days", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ValidStoreTimeouts))]
    public void Validate_StoreTimeoutInRange_Succeeds(TimeSpan value)
        => Assert.True(new SessionSharingOptionsValidator().Validate(null, new SessionSharingOptions { StoreTimeout = value }).Succeeded);
}
