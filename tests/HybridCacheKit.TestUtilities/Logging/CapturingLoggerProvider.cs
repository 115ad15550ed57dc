using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.TestUtilities.Logging;

/// <summary>
/// An <see cref="ILoggerProvider"/> that records every enabled log call in memory, so a test can assert event ids
/// and what the text does or does not contain. Register with <c>services.AddLogging(b =&gt; b.AddProvider(provider))</c>.
/// Thread-safe.
/// </summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLogEntry> _entries = new();

    /// <summary>The lowest level recorded.</summary>
    /// <value>Defaults to <see cref="LogLevel.Trace"/>.</value>
    public LogLevel MinimumLevel { get; init; } = LogLevel.Trace;

    /// <summary>Everything recorded so far, in the order it was logged.</summary>
    public IReadOnlyList<CapturedLogEntry> Entries => [.. _entries];

    /// <summary>The entries with event id <paramref name="eventId"/>.</summary>
    /// <param name="eventId">The event id to look for.</param>
    /// <returns>The matching entries, in order.</returns>
    public IReadOnlyList<CapturedLogEntry> WithEventId(int eventId) => [.. _entries.Where(e => e.EventId.Id == eventId)];

    /// <summary>Forgets everything recorded so far.</summary>
    public void Clear() => _entries.Clear();

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class CapturingLogger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= owner.MinimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            IReadOnlyList<KeyValuePair<string, object?>> pairs = state is IEnumerable<KeyValuePair<string, object?>> structured ? [.. structured] : [];
            owner._entries.Enqueue(new CapturedLogEntry(category, logLevel, eventId, formatter(state, exception), pairs, exception));
        }
    }
}
