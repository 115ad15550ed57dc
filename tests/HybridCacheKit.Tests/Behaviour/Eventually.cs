using System.Diagnostics;

namespace HybridCacheKit.Tests.Behaviour;

/// <summary>Waits (in real time, briefly and with a bound) for something another thread does, such as a background store.</summary>
internal static class Eventually
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(10);

    public static async Task HoldsAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > s_limit)
            {
                Assert.Fail($"Timed out after {s_limit.TotalSeconds} s waiting for: {what}");
            }

            await Task.Delay(5);
        }
    }

    public static async Task HoldsAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > s_limit)
            {
                Assert.Fail($"Timed out after {s_limit.TotalSeconds} s waiting for: {what}");
            }

            await Task.Delay(5);
        }
    }

    /// <summary>The bound on any await of the system under test, so a bug fails the test instead of hanging it.</summary>
    public static TimeSpan Limit => s_limit;
}
