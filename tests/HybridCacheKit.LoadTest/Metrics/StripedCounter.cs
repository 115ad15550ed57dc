namespace HybridCacheKit.LoadTest.Metrics;

/// <summary>
/// A counter incremented from many threads without a shared hot cache line: one slot per stripe, chosen by the current
/// processor, each slot on its own 128-byte line. Reading sums the slots.
/// </summary>
internal sealed class StripedCounter
{
    private const int Spacing = 16; // 16 longs = 128 bytes: no two stripes share a cache line (or an adjacent-line prefetch pair)
    private readonly long[] _slots;
    private readonly int _mask;

    public StripedCounter()
    {
        var stripes = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount * 2);
        _slots = new long[(stripes + 1) * Spacing];
        _mask = stripes - 1;
    }

    public void Increment() => Interlocked.Increment(ref _slots[((Thread.GetCurrentProcessorId() & _mask) + 1) * Spacing]);

    public void Add(long value) => Interlocked.Add(ref _slots[((Thread.GetCurrentProcessorId() & _mask) + 1) * Spacing], value);

    public long Value
    {
        get
        {
            long sum = 0;
            for (var i = Spacing; i < _slots.Length; i += Spacing)
            {
                sum += Volatile.Read(ref _slots[i]);
            }

            return sum;
        }
    }
}
