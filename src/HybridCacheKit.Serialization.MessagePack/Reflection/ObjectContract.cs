using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace HybridCacheKit.Serialization.MessagePack.Reflection;

/// <summary>
/// One serialized member of an object, as reflection sees it. <see cref="Name"/> is its map key, <see cref="DeclaredName"/>
/// its .NET name; a <see cref="Populated"/> member is a get-only collection property, read back by filling the
/// collection its getter returns.
/// </summary>
internal sealed record ContractMember(
    string Name,
    string DeclaredName,
    Type Type,
    int Key,
    Func<object, object?> Get,
    Action<object, object?>? Set,
    int ConstructorParameter,
    bool AlwaysAssign,
    bool Populated);

/// <summary>
/// How an object maps to MessagePack. The rules are the generator's (docs/messagepack.md, "Objects"), applied to
/// reflection metadata: public instance properties with a public getter and public fields, base class first, each
/// class's properties in declaration order then its fields; a member is written when it can be read back (it has a
/// public setter or init accessor, is a writable field, matches a constructor parameter, or is a get-only property of
/// a collection shape that can be refilled).
/// </summary>
[RequiresUnreferencedCode(ReflectionFormatters.Message)]
internal sealed class ObjectContract
{
    // System.Private.CoreLib; the other runtime libraries (ECMA key); System.Text.Json and friends; ASP.NET Core and
    // Microsoft.Extensions; the older Microsoft key.
    private static readonly HashSet<string> s_libraryKeyTokens = ["7cec85d7bea7798e", "b03f5f7f11d50a3a", "cc7b13ffcd2ddd51", "adb9793829ddae60", "31bf3856ad364e35"];

    private ObjectContract(Type type, bool arrayLayout, ContractMember[] members, ConstructorInfo? constructor)
    {
        Type = type;
        ArrayLayout = arrayLayout;
        Members = members;
        Constructor = constructor;
    }

    public Type Type { get; }

    public bool ArrayLayout { get; }

    public ContractMember[] Members { get; }

    /// <summary>The constructor with parameters to call, or null for the parameterless one.</summary>
    public ConstructorInfo? Constructor { get; }

    /// <summary>
    /// Rejects the types a member-by-member mapping would write and read back wrong, so the factory declines them and
    /// the next serializer takes them: mapped by their public members, a <c>List&lt;T&gt;</c> subclass would keep only
    /// its Capacity, and a <c>TimeOnly</c> would lose its sub-microsecond ticks.
    /// </summary>
    /// <exception cref="NotSupportedException">The type cannot be mapped; the message says why.</exception>
    public static void ThrowIfNotMappable(Type type)
    {
        if (type == typeof(object) || type.IsInterface || type.IsAbstract || type.IsPointer || type.IsByRef
            || type.IsGenericTypeDefinition || typeof(Delegate).IsAssignableFrom(type) || type.IsByRefLike)
        {
            throw new NotSupportedException($"'{type}' cannot be mapped to MessagePack: object, interfaces other than the collection ones, abstract classes, delegates and pointers are not supported.");
        }

        if (typeof(IEnumerable).IsAssignableFrom(type))
        {
            throw new NotSupportedException($"'{type}' is a collection type the MessagePack mapping does not know (it knows arrays, List<T>, HashSet<T>, Dictionary<TKey, TValue> and their interfaces); mapped by its members it would lose its elements.");
        }

        if (IsLibraryType(type) && !(type.IsGenericType && type.GetGenericTypeDefinition() == typeof(KeyValuePair<,>)) && !typeof(ITuple).IsAssignableFrom(type))
        {
            throw new NotSupportedException($"'{type}' is a .NET library type without a MessagePack formatter; its public members need not hold its whole value, so it is not mapped member by member.");
        }
    }

    public static ObjectContract Build(Type type)
    {
        var candidates = new List<(MemberInfo Member, Type Type, bool Writable, bool InitOnly, bool Required, bool Populatable)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var chain = Hierarchy(type).ToArray();
        const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        for (var level = 0; level < chain.Length; level++)
        {
            var declaring = chain[level];
            var hidden = HiddenBelow(chain, level);
            foreach (var property in declaring.GetProperties(flags).OrderBy(p => p.MetadataToken))
            {
                if (property.GetIndexParameters().Length > 0 || property.GetMethod is not { IsPublic: true }
                    || property.IsDefined(typeof(MessagePackIgnoreAttribute)) || hidden.Contains(property.Name) || !names.Add(property.Name))
                {
                    continue;
                }

                var setter = property.SetMethod is { IsPublic: true } set ? set : null;
                var initOnly = setter is not null && setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit));
                var populatable = setter is null && CollectionShapes.TryGetPopulatorDefinition(property.PropertyType) is not null;
                candidates.Add((property, property.PropertyType, setter is not null, initOnly, property.IsDefined(typeof(RequiredMemberAttribute)), populatable));
            }

            foreach (var field in declaring.GetFields(flags).OrderBy(f => f.MetadataToken))
            {
                if (field.IsDefined(typeof(MessagePackIgnoreAttribute)) || hidden.Contains(field.Name) || !names.Add(field.Name))
                {
                    continue;
                }

                candidates.Add((field, field.FieldType, !field.IsInitOnly, false, field.IsDefined(typeof(RequiredMemberAttribute)), false));
            }
        }

        var constructor = ChooseConstructor(type, candidates.Select(c => (c.Member.Name, c.Type)).ToList());
        var parameters = constructor?.GetParameters() ?? [];
        var arrayLayout = type.IsDefined(typeof(MessagePackArrayLayoutAttribute), inherit: false);

        var members = new List<ContractMember>();
        foreach (var (member, memberType, writable, initOnly, required, populatable) in candidates)
        {
            var parameter = Array.FindIndex(parameters, p => Matches(p, member.Name, memberType));
            var populated = populatable && parameter < 0;
            if (!writable && parameter < 0 && !populated)
            {
                continue;
            }

            var key = member.GetCustomAttribute<MessagePackKeyAttribute>()?.Index ?? -1;
            if (arrayLayout && key < 0)
            {
                continue;
            }

            var name = member.GetCustomAttribute<MessagePackPropertyNameAttribute>()?.Name ?? member.Name;
            Func<object, object?> get = member is PropertyInfo p ? p.GetValue : ((FieldInfo)member).GetValue;
            Action<object, object?>? set = !writable ? null : member is PropertyInfo sp ? sp.SetValue : ((FieldInfo)member).SetValue;
            members.Add(new ContractMember(name, member.Name, memberType, key, get, set, parameter, initOnly || required, populated));
        }

        if (members.Count == 0)
        {
            throw new NotSupportedException($"'{type}' has no public member that can be written and read back (a settable property or field, one matched by a constructor parameter, or a get-only collection property); it would be written as an empty {(arrayLayout ? "array" : "map")} and read back as a default instance.");
        }

        Validate(type, arrayLayout, members);
        return new ObjectContract(type, arrayLayout, [.. members], constructor);
    }

    /// <summary>
    /// The public constructor with the most parameters that all match members by name (ignoring case) and type;
    /// null means the parameterless one (a struct always has it).
    /// </summary>
    private static ConstructorInfo? ChooseConstructor(Type type, List<(string Name, Type Type)> members)
    {
        ConstructorInfo? best = null;
        var hasParameterless = type.IsValueType;
        foreach (var constructor in type.GetConstructors(BindingFlags.Public | BindingFlags.Instance).OrderBy(c => c.MetadataToken))
        {
            var parameters = constructor.GetParameters();
            if (parameters.Length == 0)
            {
                hasParameterless = true;
                continue;
            }

            if (parameters.All(p => members.Exists(m => Matches(p, m.Name, m.Type)))
                && parameters.Length > (best?.GetParameters().Length ?? 0))
            {
                best = constructor;
            }
        }

        return best is not null || hasParameterless
            ? best
            : throw new NotSupportedException($"'{type}' has no public parameterless constructor and no public constructor whose parameters all match public properties or fields (by name, ignoring case, and type).");
    }

    /// <summary>
    /// Whether <paramref name="type"/> ships with .NET or ASP.NET Core (signed with one of their keys). Those types keep
    /// their state in private fields; only tuples and KeyValuePair are known to be exactly their public members.
    /// </summary>
    private static bool IsLibraryType(Type type)
        => type.Assembly.GetName().GetPublicKeyToken() is { Length: 8 } token && s_libraryKeyTokens.Contains(Convert.ToHexStringLower(token));

    private static bool Matches(ParameterInfo parameter, string memberName, Type memberType)
        => parameter.ParameterType == memberType && string.Equals(parameter.Name, memberName, StringComparison.OrdinalIgnoreCase);

    private static void Validate(Type type, bool arrayLayout, List<ContractMember> members)
    {
        if (arrayLayout)
        {
            foreach (var group in members.GroupBy(m => m.Key).Where(g => g.Count() > 1))
            {
                throw new NotSupportedException($"'{type}' uses [MessagePackKey({group.Key})] on more than one member.");
            }

            if (members.Exists(m => m.Key > 255))
            {
                throw new NotSupportedException($"'{type}' uses a [MessagePackKey] index above 255.");
            }
        }
        else
        {
            foreach (var group in members.GroupBy(m => m.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                throw new NotSupportedException($"'{type}' has more than one member with the map key '{group.Key}'.");
            }
        }
    }

    /// <summary>
    /// The names that a type below <paramref name="chain"/>[<paramref name="level"/>] declares again as public members
    /// of its own (<c>new</c>, not <c>override</c>): there the derived member is the one, as C# binds <c>value.Name</c> and
    /// as System.Text.Json decides, so the base member is skipped. An override stays in its base member's place. The
    /// generator (ModelBuilder.HiddenBelow) decides the same way, so both paths write the same bytes.
    /// </summary>
    private static HashSet<string> HiddenBelow(Type[] chain, int level)
    {
        var hidden = new HashSet<string>(StringComparer.Ordinal);
        const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        for (var below = level + 1; below < chain.Length; below++)
        {
            foreach (var property in chain[below].GetProperties(flags))
            {
                var accessor = property.GetMethod ?? property.SetMethod;
                if (property.GetIndexParameters().Length == 0 && accessor is not null && accessor.GetBaseDefinition().DeclaringType == accessor.DeclaringType)
                {
                    hidden.Add(property.Name);
                }
            }

            foreach (var field in chain[below].GetFields(flags))
            {
                hidden.Add(field.Name);
            }
        }

        return hidden;
    }

    private static Stack<Type> Hierarchy(Type type)
    {
        var chain = new Stack<Type>();
        for (var current = type; current is not null && current != typeof(object) && current != typeof(ValueType); current = current.BaseType)
        {
            chain.Push(current);
        }

        return chain;
    }

    /// <summary>The member's map key as MessagePack: the str header and the UTF-8 bytes.</summary>
    public static byte[] EncodeKey(string name)
    {
        var utf8 = Encoding.UTF8.GetBytes(name);
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        var mp = new MessagePackWriter(writer);
        mp.WriteUtf8String(utf8);
        mp.Flush();
        return writer.WrittenSpan.ToArray();
    }
}
