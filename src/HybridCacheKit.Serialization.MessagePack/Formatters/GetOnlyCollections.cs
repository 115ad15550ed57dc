using System.Diagnostics.CodeAnalysis;

namespace HybridCacheKit.Serialization.MessagePack.Formatters;

/// <summary>
/// Reads a get-only collection property back (docs/messagepack.md, "Members"): there is no setter, so after the object
/// is constructed its own collection, got through the getter, is cleared and given the payload's elements. Generated
/// formatters (through <see cref="MessagePackFormatters"/>) and the reflection path both call these, so they agree.
/// </summary>
internal static class GetOnlyCollections
{
    /// <summary>Fills <paramref name="target"/> with <paramref name="items"/>; a null <paramref name="items"/> (nil in the payload) leaves it empty.</summary>
    /// <exception cref="MessagePackSerializationException">The collection is null, or read-only and different, so it cannot hold the payload.</exception>
    public static void PopulateCollection<T>(ICollection<T>? target, IEnumerable<T>? items, Type owner, string member)
    {
        if (!Prepare(target, items, owner, member, static (current, incoming) => current.SequenceEqual(incoming ?? [])))
        {
            return;
        }

        if (target is List<T> list)
        {
            list.AddRange(items);
            return;
        }

        foreach (var item in items)
        {
            target.Add(item);
        }
    }

    /// <summary>Fills <paramref name="target"/> with <paramref name="items"/>; a null <paramref name="items"/> (nil in the payload) leaves it empty.</summary>
    /// <exception cref="MessagePackSerializationException">The dictionary is null, or read-only and different, so it cannot hold the payload.</exception>
    public static void PopulateDictionary<TKey, TValue>(IDictionary<TKey, TValue>? target, IEnumerable<KeyValuePair<TKey, TValue>>? items, Type owner, string member)
    {
        if (!Prepare(target, items, owner, member, static (current, incoming) => Holds((IDictionary<TKey, TValue>)current, incoming ?? [])))
        {
            return;
        }

        // The indexer, not Add: when the target's comparer is looser than the payload's (a case-insensitive dictionary
        // made by the constructor), two keys that collide keep the last value, as a repeated key in a map does.
        var dictionary = (IDictionary<TKey, TValue>)target;
        foreach (var (key, value) in items)
        {
            dictionary[key] = value;
        }
    }

    /// <summary>
    /// Empties <paramref name="target"/>, so elements its constructor added are not doubled; true when the payload's
    /// elements go in next. A target that cannot take them is accepted only when it already holds exactly them.
    /// </summary>
    private static bool Prepare<T, TItems>(
        [NotNullWhen(true)] ICollection<T>? target,
        [NotNullWhen(true)] TItems? items,
        Type owner,
        string member,
        Func<ICollection<T>, TItems?, bool> holds)
        where TItems : class
    {
        if (target is null)
        {
            // A nil payload and a null collection agree. Elements with nowhere to go would be a wrong value: fail, so the
            // engine treats the entry as a miss and computes a fresh one.
            return items is null
                ? false
                : throw new MessagePackSerializationException($"{owner}.{member} is a get-only collection that is null after construction; it cannot be populated.");
        }

        if (target.IsReadOnly)
        {
            // An array or a ReadOnlyCollection behind ICollection<T>/IList<T>, usually the same constant every time: when
            // it already holds the payload the value is right; otherwise it would be wrong, so fail (a miss) instead.
            return holds(target, items)
                ? false
                : throw new MessagePackSerializationException($"{owner}.{member} is a get-only collection whose instance ({target.GetType()}) is read-only after construction and holds other elements than the payload; it cannot be populated.");
        }

        target.Clear();
        return items is not null;
    }

    private static bool Holds<TKey, TValue>(IDictionary<TKey, TValue> current, IEnumerable<KeyValuePair<TKey, TValue>> incoming)
    {
        var count = 0;
        foreach (var (key, value) in incoming)
        {
            if (!current.TryGetValue(key, out var held) || !EqualityComparer<TValue>.Default.Equals(held, value))
            {
                return false;
            }

            count++;
        }

        return count == current.Count;
    }
}
