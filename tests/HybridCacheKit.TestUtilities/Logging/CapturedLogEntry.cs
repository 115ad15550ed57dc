using Microsoft.Extensions.Logging;

namespace HybridCacheKit.TestUtilities.Logging;

/// <summary>One log call seen by <see cref="CapturingLoggerProvider"/>.</summary>
/// <param name="Category">The logger category.</param>
/// <param name="Level">The level.</param>
/// <param name="EventId">The event id.</param>
/// <param name="Message">The formatted message, as a sink would write it.</param>
/// <param name="State">The structured state, as (name, value) pairs, when the state exposes them.</param>
/// <param name="Exception">The exception passed to the call, if any.</param>
public sealed record CapturedLogEntry(
    string Category,
    LogLevel Level,
    EventId EventId,
    string Message,
    IReadOnlyList<KeyValuePair<string, object?>> State,
    Exception? Exception)
{
    /// <summary>Everything a sink could write for this entry: the message, every state value and the exception text.</summary>
    public string FullText =>
        string.Join('\n', [Message, .. State.Select(p => $"{p.Key}={p.Value}"), Exception?.ToString() ?? string.Empty]);
}
