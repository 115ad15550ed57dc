using System.Numerics;

namespace HybridCacheKit.Internal;

/// <summary>
/// An approximate count of how often each key was accessed recently, for L1 admission (<see cref="L1Store"/>): a
/// count-min sketch of four rows of 4-bit counters (saturating at 15) indexed by four hashes of the key, whose estimate
/// is the smallest of the four counters. Every <c>10 × width</c> increments (that changed a counter) all counters are halved, so the counts
/// follow recent popularity and a key that was hot an hour ago does not stay "frequent" for ever.
/// </summary>
/// <remarks>
/// Updates are deliberately not atomic: two threads incrementing one counter at once may count once, and an increment
/// racing with the halving may survive it. Both only make an estimate slightly low or high, which admission tolerates;
/// a lock or an interlocked operation on every L1 lookup would not be worth it. Hashes come from
/// <see cref="string.GetHashCode()"/>, which is randomised per process, so keys cannot be chosen to collide.
/// </remarks>
internal sealed class FrequencySketch
{
    private const int Depth = 4;
    private const byte MaxCount = 15;
    private const int MinWidth = 1 << 10;
    private const int MaxWidth = 1 << 22;

    private readonly byte[] _counters;
    private readonly int _width;
    private readonly int _sampleSize;
    private int _additions;
    private int _aging;

    /// <summary>Creates a sketch sized for about <paramref name="expectedItems"/> distinct hot keys.</summary>
    public FrequencySketch(long expectedItems)
    {
        _width = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(expectedItems, MinWidth, MaxWidth));
        _counters = new byte[_width * Depth];
        _sampleSize = _width * 10;
    }

    /// <summary>Counters per row (a power of two).</summary>
    public int Width => _width;

    /// <summary>Increments that changed a counter since the last aging (aging comes at <c>10 × <see cref="Width"/></c>).</summary>
    internal int Additions => Volatile.Read(ref _additions);

    /// <summary>Records one access to <paramref name="key"/>.</summary>
    public void Increment(string key)
    {
        var hash = Spread(key);
        var changed = false;
        for (var row = 0; row < Depth; row++)
        {
            ref var counter = ref _counters[Slot(hash, row)];
            if (counter < MaxCount)
            {
                counter++;
                changed = true;
            }
        }

        // Increments of a saturated key change nothing and are not counted towards aging: the shared counter is then
        // written only when a counter was.
        if (changed && ++_additions >= _sampleSize)
        {
            Age();
        }
    }

    /// <summary>How often <paramref name="key"/> was accessed recently (at most 15; may be over, never much under).</summary>
    public int Estimate(string key)
    {
        var hash = Spread(key);
        int estimate = MaxCount;
        for (var row = 0; row < Depth; row++)
        {
            estimate = Math.Min(estimate, _counters[Slot(hash, row)]);
        }

        return estimate;
    }

    /// <summary>Halves every counter: what was counted before weighs half as much as what is counted from now on.</summary>
    internal void Age()
    {
        if (Interlocked.Exchange(ref _aging, 1) != 0)
        {
            return;
        }

        try
        {
            var counters = _counters.AsSpan();
            for (var i = 0; i < counters.Length; i++)
            {
                counters[i] >>= 1;
            }

            _additions = 0;
        }
        finally
        {
            Volatile.Write(ref _aging, 0);
        }
    }

    private static ulong Spread(string key) => (ulong)(uint)key.GetHashCode() * 0x9E3779B97F4A7C15UL;

    /// <summary>The counter of <paramref name="row"/>: a different 32-bit window of the spread hash, re-mixed per row.</summary>
    private int Slot(ulong hash, int row)
    {
        var mixed = (hash ^ ((ulong)(row + 1) * 0xC2B2AE3D27D4EB4FUL)) * 0x165667B19E3779F9UL;
        return (row * _width) + (int)((mixed >> 32) & (uint)(_width - 1));
    }
}
