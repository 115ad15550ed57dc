using HybridCacheKit.Tests.Behaviour;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;

namespace HybridCacheKit.Tests.Stampede;

/// <summary>
/// Where callers resume after an L1 miss. The caller that started the run resumes on the thread that completed the L2
/// read, as an await of the read itself would (no extra thread-pool hop per miss); a caller that joined the run resumes
/// elsewhere, so joiners never run inside the run that completes them.
/// </summary>
public sealed class StampedeContinuationTests
{
    private static readonly HybridCacheEntryOptions L2Only = new() { Flags = HybridCacheEntryFlags.DisableLocalCacheWrite };

    /// <summary>Starts a GetOrCreateAsync and reports the value and the thread the caller resumed on.</summary>
    private static async Task<(string Value, int Thread)> GetAndNoteThreadAsync(CacheUnderTest sut, string factoryValue)
    {
        var value = await sut.Cache.GetOrCreateAsync("key", _ => ValueTask.FromResult(factoryValue)).ConfigureAwait(false);
        return (value, Environment.CurrentManagedThreadId);
    }

    [Fact]
    public async Task GetOrCreateAsync_StartingCaller_ResumesOnTheThreadThatCompletedTheL2Read()
    {
        var l2 = new ThreadCompletedL2();
        using var sut = CacheUnderTest.Create(l2: l2);
        await sut.Cache.SetAsync("key", "stored", L2Only);

        var call = GetAndNoteThreadAsync(sut, "from-factory");
        var completingThread = l2.CompletePendingReadOnNewThread();
        var (value, resumedOn) = await call;

        Assert.Equal("stored", value);
        Assert.Equal(completingThread, resumedOn);
    }

    [Fact]
    public async Task GetOrCreateAsync_JoiningCaller_DoesNotResumeInsideTheRun()
    {
        var l2 = new ThreadCompletedL2();
        using var sut = CacheUnderTest.Create(l2: l2);
        await sut.Cache.SetAsync("key", "stored", L2Only);

        var starter = GetAndNoteThreadAsync(sut, "from-factory");
        var joiner = GetAndNoteThreadAsync(sut, "unexpected");
        Assert.Equal(1, sut.Metrics.Sum(Diagnostics.HybridCacheKitDiagnostics.StampedeJoins));
        var completingThread = l2.CompletePendingReadOnNewThread();

        var (starterValue, starterResumedOn) = await starter;
        var (joinerValue, joinerResumedOn) = await joiner;
        Assert.Equal("stored", starterValue);
        Assert.Equal("stored", joinerValue);
        Assert.Equal(completingThread, starterResumedOn);
        Assert.NotEqual(completingThread, joinerResumedOn);
    }

    /// <summary>
    /// An in-memory L2 whose next read of the test's key stays pending until the test completes it from a thread of its own; the
    /// read's task runs its continuations synchronously, as a client library's completion does.
    /// </summary>
    private sealed class ThreadCompletedL2 : IDistributedCache
    {
        private const string HeldKey = "key";

        private readonly Dictionary<string, byte[]> _entries = new(StringComparer.Ordinal);
        private readonly Lock _gate = new();
        private (TaskCompletionSource<byte[]?> Source, string Key)? _pending;

        public int CompletePendingReadOnNewThread()
        {
            (TaskCompletionSource<byte[]?> Source, string Key) pending;
            lock (_gate)
            {
                pending = _pending ?? throw new InvalidOperationException("no read is pending");
                _pending = null;
            }

            byte[]? value;
            lock (_gate)
            {
                value = _entries.GetValueOrDefault(pending.Key);
            }

            var threadId = 0;
            var thread = new Thread(() =>
            {
                threadId = Environment.CurrentManagedThreadId;
                pending.Source.SetResult(value);
            });
            thread.Start();
            thread.Join();
            return threadId;
        }

        public byte[]? Get(string key) => throw new NotSupportedException();

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        {
            lock (_gate)
            {
                if (key != HeldKey)
                {
                    // The engine's own records (the "*" tag, read on hits without a backplane) answer at once.
                    return Task.FromResult(_entries.GetValueOrDefault(key));
                }

                var source = new TaskCompletionSource<byte[]?>(TaskCreationOptions.None);
                _pending = (source, key);
                return source.Task;
            }
        }

        public void Refresh(string key)
        {
        }

        public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

        public void Remove(string key) => throw new NotSupportedException();

        public Task RemoveAsync(string key, CancellationToken token = default)
        {
            lock (_gate)
            {
                _entries.Remove(key);
            }

            return Task.CompletedTask;
        }

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new NotSupportedException();

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        {
            lock (_gate)
            {
                _entries[key] = value;
            }

            return Task.CompletedTask;
        }
    }
}
