using System.Collections.Concurrent;

namespace HybridCacheKit.StackExchangeRedis.Internal;

internal sealed partial class RedisDistributedLock
{
    /// <summary>
    /// This process's waiters for locks held elsewhere, one entry per cache key. A caller registers before its acquire
    /// attempt; if the lock is held elsewhere it receives the entry's task, which completes when a release of the key is
    /// announced (or, as a clean-up, a little after the lock would have expired on its own). Entries are removed when
    /// completed, or when the last registered caller got the lock or gave up, so the registry never grows with keys.
    /// </summary>
    internal sealed class WaiterRegistry(TimeProvider time)
    {
        // The engine bounds its own wait by RetryAfter; the timer only completes and removes entries nobody will wake.
        private static readonly TimeSpan s_cleanupSlack = TimeSpan.FromSeconds(1);

        private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

        public int Count => _entries.Count;

        public Entry Register(string key)
        {
            while (true)
            {
                var entry = _entries.GetOrAdd(key, static _ => new Entry());
                lock (entry)
                {
                    if (!entry.Closed)
                    {
                        entry.Users++;
                        return entry;
                    }
                }

                _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            }
        }

        /// <summary>The registered caller did not end up waiting (it got the lock, or the lock service failed).</summary>
        public void Unregister(string key, Entry entry)
        {
            lock (entry)
            {
                entry.Users--;
                if (entry.Users > 0 || entry.Timer is not null || entry.Closed)
                {
                    return;
                }

                entry.Closed = true;
            }

            _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
        }

        /// <summary>The registered caller waits: returns the task completed by the next release announcement of the key.</summary>
        public Task Wait(string key, Entry entry, TimeSpan retryAfter)
        {
            lock (entry)
            {
                entry.Users--;
                if (!entry.Closed)
                {
                    var dueIn = retryAfter + s_cleanupSlack;
                    var dueAt = time.GetTimestamp() + (long)(dueIn.TotalSeconds * time.TimestampFrequency);
                    if (entry.Timer is null)
                    {
                        entry.DueAt = dueAt;
                        entry.Timer = time.CreateTimer(static s => ((Expiry)s!).Fire(), new Expiry(this, key, entry), dueIn, Timeout.InfiniteTimeSpan);
                    }
                    else if (dueAt > entry.DueAt)
                    {
                        entry.DueAt = dueAt;
                        entry.Timer.Change(dueIn, Timeout.InfiniteTimeSpan);
                    }
                }
            }

            return entry.Released.Task;
        }

        /// <summary>A release of <paramref name="key"/> was announced (or made here): wake its waiters.</summary>
        public void Complete(string key)
        {
            if (_entries.TryGetValue(key, out var entry))
            {
                Close(key, entry);
            }
        }

        /// <summary>Wakes every waiter (the connection failed: no announcement can arrive; they try again and find the lock unavailable).</summary>
        public void CompleteAll()
        {
            foreach (var pair in _entries)
            {
                Close(pair.Key, pair.Value);
            }
        }

        private void Close(string key, Entry entry)
        {
            ITimer? timer;
            lock (entry)
            {
                entry.Closed = true;
                timer = entry.Timer;
                entry.Timer = null;
            }

            _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            timer?.Dispose();
            entry.Released.TrySetResult();
        }

        internal sealed class Entry
        {
    #pragma warning disable SA1401, CA1051 // guarded by lock (this)
            public int Users;
            public bool Closed;
            public ITimer? Timer;
            public long DueAt;
    #pragma warning restore SA1401, CA1051

            public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        private sealed record Expiry(WaiterRegistry Registry, string Key, Entry Entry)
        {
            public void Fire() => Registry.Close(Key, Entry);
        }
    }
}
