namespace HybridCacheKit.AspNetCore.Tests.Invalidation.Infrastructure;

/// <summary>Bounded polling for something that becomes true on another node (a backplane message arriving).</summary>
internal static class Poll
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    public static async Task UntilAsync(Func<Task<bool>> condition, string failure, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Deadline;
        var deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{failure} within {limit}.");
            }

            await Task.Delay(10);
        }
    }

    public static Task UntilAsync(Func<bool> condition, string failure, TimeSpan? timeout = null)
        => UntilAsync(() => Task.FromResult(condition()), failure, timeout);
}
