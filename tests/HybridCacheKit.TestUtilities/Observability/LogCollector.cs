using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.TestUtilities.Observability;

/// <summary>
/// An <see cref="ILoggerProvider"/> that keeps every log entry written through it, at every level, so tests can assert
/// on event ids and on what messages contain (or must not contain). Thread-safe.
/// </summary>
public sealed class LogCollector : ILoggerProvider
{
    private readonly ConcurrentQueue<CollectedLog> _entries = new();

    /// <summary>Every entry so far, in the order written.</summary>
    public IReadOnlyList<CollectedLog> Entries => [.. _entries];

    /// <summary>The entries with event id <paramref name="eventId"/>.</summary>
    public IReadOnlyList<CollectedLog> WithEventId(int eventId) => [.. _entries.Where(e => e.EventId.Id == eventId)];

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new CollectingLogger(this, categoryName);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class CollectingLogger(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            owner._entries.Enqueue(new CollectedLog(
                category,
                logLevel,
                eventId,
                formatter(state, exception),
                [.. values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value?.ToString()))],
                exception));
        }
    }
}

/// <summary>One log entry kept by <see cref="LogCollector"/>.</summary>
/// <param name="Category">The logger's category.</param>
/// <param name="Level">The level.</param>
/// <param name="EventId">The event id.</param>
/// <param name="Message">The formatted message.</param>
/// <param name="State">The structured values (including the template as <c>{OriginalFormat}</c>), as strings.</param>
/// <param name="Exception">The exception logged with the entry, if any.</param>
public sealed record CollectedLog(
    string Category,
    LogLevel Level,
    EventId EventId,
    string Message,
    IReadOnlyList<KeyValuePair<string, string?>> State,
    Exception? Exception)
{
    /// <summary>Whether <paramref name="text"/> occurs in the message, a structured value or the exception's message.</summary>
    public bool Mentions(string text)
        => Message.Contains(text, StringComparison.Ordinal)
           || State.Any(v => v.Value?.Contains(text, StringComparison.Ordinal) == true)
           || Exception?.ToString().Contains(text, StringComparison.Ordinal) == true;
}
