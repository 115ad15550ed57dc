namespace HybridCacheKit.Serialization.MessagePack.Formatters;

/// <summary>
/// DateTime as the timestamp extension. Local times are converted to UTC first; Unspecified ones are taken as UTC.
/// Reads return <see cref="DateTimeKind.Utc"/>; nanoseconds below the 100 ns tick are dropped.
/// </summary>
internal sealed class DateTimeFormatter : IMessagePackFormatter<DateTime>
{
    public static readonly DateTimeFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, DateTime value)
    {
        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
        Timestamps.Write(ref writer, utc.Ticks);
    }

    public DateTime Deserialize(ref MessagePackReader reader) => new(Timestamps.ReadTicks(ref reader), DateTimeKind.Utc);
}

/// <summary>DateTimeOffset as the timestamp extension of its UTC instant; the offset is not kept (reads have offset zero).</summary>
internal sealed class DateTimeOffsetFormatter : IMessagePackFormatter<DateTimeOffset>
{
    public static readonly DateTimeOffsetFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, DateTimeOffset value) => Timestamps.Write(ref writer, value.UtcTicks);

    public DateTimeOffset Deserialize(ref MessagePackReader reader) => new(Timestamps.ReadTicks(ref reader), TimeSpan.Zero);
}

internal static class Timestamps
{
    private const long TicksPerSecond = TimeSpan.TicksPerSecond;

    /// <summary>Writes UTC <paramref name="ticks"/> (since 0001-01-01) as a timestamp.</summary>
    public static void Write(ref MessagePackWriter writer, long ticks)
    {
        var sinceEpoch = ticks - MessagePackCode.UnixEpochTicks;
        var seconds = Math.DivRem(sinceEpoch, TicksPerSecond, out var remainder);
        if (remainder < 0)
        {
            // Floor, not truncate: the nanoseconds field is never negative.
            seconds--;
            remainder += TicksPerSecond;
        }

        writer.WriteTimestamp(seconds, (uint)(remainder * 100));
    }

    /// <summary>Reads a timestamp as UTC ticks since 0001-01-01.</summary>
    public static long ReadTicks(ref MessagePackReader reader)
    {
        var start = reader.Consumed;
        reader.ReadTimestamp(out var seconds, out var nanoseconds);
        var ticks = ((Int128)seconds * TicksPerSecond) + (nanoseconds / 100) + MessagePackCode.UnixEpochTicks;
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            throw new MessagePackSerializationException($"The timestamp at offset {start} ({seconds} s) is outside the range of DateTime (years 1 to 9999).");
        }

        return (long)ticks;
    }
}
