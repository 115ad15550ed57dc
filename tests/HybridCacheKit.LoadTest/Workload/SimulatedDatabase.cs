using System.Globalization;

namespace HybridCacheKit.LoadTest.Workload;

/// <summary>
/// The "database" behind the cache-aside loader and the source of written values. Every call materializes a fresh
/// row, as a database driver would: a new <see cref="Product"/> with its own ~900-character description, so cached
/// values cost real memory and the loader real work. A load yields once to the thread pool (an asynchronous I/O
/// completion without a timer) unless a delay is configured, in which case it awaits <see cref="Task.Delay(TimeSpan)"/>.
/// </summary>
internal sealed class SimulatedDatabase(int descriptionLength, TimeSpan loadDelay)
{
    private static readonly DateTime s_epoch = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private long _loads;

    public long Loads => Interlocked.Read(ref _loads);

    public int DescriptionLength { get; } = descriptionLength;

    public static string KeyOf(int index) => string.Create(11, index, static (span, i) =>
    {
        "item:".CopyTo(span);
        i.TryFormat(span[5..], out _, "D6", CultureInfo.InvariantCulture);
    });

    public async ValueTask<Product> LoadAsync(int index, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _loads);
        if (loadDelay > TimeSpan.Zero)
        {
            await Task.Delay(loadDelay, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await Task.Yield();
        }

        return Create(index, 0);
    }

    public Product Create(int index, long version) => new(
        index,
        string.Create(CultureInfo.InvariantCulture, $"SKU-{index:D6}"),
        string.Create(CultureInfo.InvariantCulture, $"Product {index}"),
        19.99m + (index % 100),
        index % 1000,
        version,
        s_epoch.AddSeconds(version & 0xFFFFFFF),
        Describe(index, version, DescriptionLength));

    private static string Describe(int index, long version, int length) => string.Create(length, (index, version), static (span, s) =>
    {
        const string Alphabet = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789.";
        var seed = (uint)((s.index * 2654435761u) ^ (uint)s.version);
        for (var i = 0; i < span.Length; i++)
        {
            seed = (seed * 1664525u) + 1013904223u;
            span[i] = Alphabet[(int)(seed >> 26)];
        }
    });
}
