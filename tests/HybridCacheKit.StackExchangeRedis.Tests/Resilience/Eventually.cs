using System.Diagnostics;

namespace HybridCacheKit.StackExchangeRedis.Tests.Resilience;

/// <summary>Bounded polling: the fault tests wait for outcomes (recovery, breaker state) instead of sleeping a fixed time.</summary>
internal static class Eventually
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test with <paramref name="what"/> after <paramref name="timeout"/>. Returns the time it took.</summary>
    public static async Task<TimeSpan> WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (await condition())
            {
                return watch.Elapsed;
            }

            if (watch.Elapsed > timeout)
            {
                Assert.Fail($"Not within {timeout.TotalSeconds:F0} s: {what}.");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Synchronous-condition overload of <see cref="WaitAsync(Func{Task{bool}}, TimeSpan, string)"/>.</summary>
    public static Task<TimeSpan> WaitAsync(Func<bool> condition, TimeSpan timeout, string what)
        => WaitAsync(() => Task.FromResult(condition()), timeout, what);
}
