using System.ComponentModel;
using System.Reflection;

namespace HybridCacheKit.Internal;

/// <summary>Microsoft's rule for which types L1 may share as one instance: value types, strings, and sealed types marked <c>[ImmutableObject(true)]</c>.</summary>
internal static class ImmutableTypeCache<T>
{
    public static readonly bool IsImmutable = Compute();

    private static bool Compute()
    {
        var type = typeof(T);
        if (type.IsValueType || type == typeof(string))
        {
            return true;
        }

        return type.IsSealed && type.GetCustomAttribute<ImmutableObjectAttribute>() is { Immutable: true };
    }
}
