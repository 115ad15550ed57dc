namespace HybridCacheKit.StackExchangeRedis.Tests.MultiNode;

/// <summary>Bounded polling for conditions that become true asynchronously (a message arriving on another node).</summary>
internal static class Eventually
{
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(10);

    public static async Task TrueAsync(Func<bool> condition, TimeSpan timeout, string failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{failure} within {timeout}.");
            }

            await Task.Delay(s_pollInterval);
        }
    }

    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{failure} within {timeout}.");
            }

            await Task.Delay(s_pollInterval);
        }
    }

    /// <summary>Polls <paramref name="read"/> until it returns <paramref name="expected"/>; returns the last value read.</summary>
    public static async Task<T> EqualsAsync<T>(T expected, Func<Task<T>> read, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (EqualityComparer<T>.Default.Equals(value, expected) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(s_pollInterval);
        }
    }
}
