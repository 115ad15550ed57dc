using System.Collections;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.AspNetCore.Sessions;

/// <summary>
/// The logger factory handed to <see cref="DistributedSession"/>: the framework logs the raw session key (and id) in
/// <c>SessionStarted</c>, <c>AccessingExpiredSession</c>, <c>SessionCacheReadException</c> (at Error, on every failed
/// load during an outage) and its Debug events. The key and the Data Protection key ring, kept in the same Redis, are
/// enough to forge a session cookie, so these values are replaced with <c>[redacted]</c>; the level, event id,
/// exception and other values are kept. Only a call that carries such a value pays for the rewrite.
/// </summary>
internal sealed class SessionKeyRedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    internal const string Redacted = "[redacted]";

    // DistributedSession asks for its logger on every request; it always uses one category, so one wrapper is kept.
    private RedactingLogger? _last;

    public ILogger CreateLogger(string categoryName)
    {
        var last = _last;
        if (last is not null && string.Equals(last.Category, categoryName, StringComparison.Ordinal))
        {
            return last;
        }

        last = new RedactingLogger(categoryName, inner.CreateLogger(categoryName));
        _last = last;
        return last;
    }

    // The application's factory is not ours: adding providers or disposing it is its owner's business.
    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private static bool IsSecret(string name) =>
        string.Equals(name, "sessionKey", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "sessionId", StringComparison.OrdinalIgnoreCase);

    private sealed class RedactingLogger(string category, ILogger inner) : ILogger
    {
        public string Category => category;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is IReadOnlyList<KeyValuePair<string, object?>> values && HasSecret(values))
            {
                if (!inner.IsEnabled(logLevel))
                {
                    return;
                }

                inner.Log(logLevel, eventId, new RedactedState(values), exception, static (s, _) => s.ToString());
                return;
            }

            inner.Log(logLevel, eventId, state, exception, formatter);
        }

        private static bool HasSecret(IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            for (var i = 0; i < values.Count; i++)
            {
                if (IsSecret(values[i].Key))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>The state with the secret values replaced; its text is the original template filled with those values.</summary>
    private sealed class RedactedState : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private const string OriginalFormat = "{OriginalFormat}";

        private readonly KeyValuePair<string, object?>[] _values;

        public RedactedState(IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            _values = new KeyValuePair<string, object?>[values.Count];
            for (var i = 0; i < _values.Length; i++)
            {
                var pair = values[i];
                _values[i] = IsSecret(pair.Key) ? new(pair.Key, Redacted) : pair;
            }
        }

        public int Count => _values.Length;

        public KeyValuePair<string, object?> this[int index] => _values[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_values).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString()
        {
            string? template = null;
            foreach (var pair in _values)
            {
                if (pair.Key == OriginalFormat)
                {
                    template = pair.Value as string;
                }
            }

            // Without a template there is no safe text to rebuild: say what was left out rather than guess.
            return template is null ? Redacted : Format(template);
        }

        // Message templates: "{name}" or "{name:format}" is a value, "{{" and "}}" are literal braces.
        private string Format(string template)
        {
            var text = new StringBuilder(template.Length + 16);
            for (var i = 0; i < template.Length; i++)
            {
                var c = template[i];
                if ((c == '{' || c == '}') && i + 1 < template.Length && template[i + 1] == c)
                {
                    text.Append(c);
                    i++;
                }
                else if (c == '{' && template.IndexOf('}', i + 1) is var end and > 0)
                {
                    var hole = template.AsSpan(i + 1, end - i - 1);
                    var nameEnd = hole.IndexOfAny(':', ',');
                    text.Append(ValueText(nameEnd < 0 ? hole : hole[..nameEnd]));
                    i = end;
                }
                else
                {
                    text.Append(c);
                }
            }

            return text.ToString();
        }

        private string ValueText(ReadOnlySpan<char> name)
        {
            foreach (var pair in _values)
            {
                if (name.SequenceEqual(pair.Key))
                {
                    return pair.Value switch
                    {
                        null => "(null)",
                        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                        var value => value.ToString() ?? string.Empty,
                    };
                }
            }

            return "(null)";
        }
    }
}
