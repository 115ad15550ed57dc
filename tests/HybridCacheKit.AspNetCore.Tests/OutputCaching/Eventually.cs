namespace HybridCacheKit.AspNetCore.Tests.OutputCaching;

/// <summary>Bounded polling for what becomes true asynchronously (a backplane message reaching another node).</summary>
internal static class Eventually
{
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Calls <paramref name="read"/> until <paramref name="done"/> holds for its result; fails after <paramref name="timeout"/>.</summary>
    public static async Task<T> MatchAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, string failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{failure} within {timeout} (last value: {value}).");
            }

            await Task.Delay(s_pollInterval);
        }
    }
}
