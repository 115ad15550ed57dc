using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text;

namespace HybridCacheKit.Serialization.MessagePack.Reflection;

internal interface IReflectionObjectFormatter
{
    void Initialize(ObjectContract contract);
}

/// <summary>Writes and reads an object through reflection, following its <see cref="ObjectContract"/>.</summary>
[RequiresUnreferencedCode(ReflectionFormatters.Message)]
[RequiresDynamicCode(ReflectionFormatters.Message)]
internal sealed class ReflectionObjectFormatter<T> : IMessagePackFormatter<T>, IReflectionObjectFormatter
{
    private Slot[] _members = [];
    private Slot?[] _byKey = [];
    private ConstructorInfo? _constructor;
    private object?[] _parameterDefaults = [];
    private bool _arrayLayout;

    public void Initialize(ObjectContract contract)
    {
        _arrayLayout = contract.ArrayLayout;
        _constructor = contract.Constructor;
        _parameterDefaults = [.. (contract.Constructor?.GetParameters() ?? []).Select(DefaultArgument)];
        _members = [.. contract.Members.Select(m => new Slot(
            m,
            Encoding.UTF8.GetBytes(m.Name),
            ObjectContract.EncodeKey(m.Name),
            (IBoxedFormatter)Activator.CreateInstance(typeof(BoxedFormatter<>).MakeGenericType(m.Type), ReflectionFormatters.Resolve(m.Type))!,
            m.Populated ? CreatePopulator(m.Type) : null))];
        if (_arrayLayout)
        {
            _byKey = new Slot?[_members.Length == 0 ? 0 : _members.Max(m => m.Member.Key) + 1];
            foreach (var slot in _members)
            {
                _byKey[slot.Member.Key] = slot;
            }
        }
    }

    public void Serialize(ref MessagePackWriter writer, T value)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.IncrementDepth();
        object boxed = value;
        if (_arrayLayout)
        {
            writer.WriteArrayHeader(_byKey.Length);
            foreach (var slot in _byKey)
            {
                if (slot is null)
                {
                    writer.WriteNil();
                }
                else
                {
                    slot.Formatter.Serialize(ref writer, slot.Member.Get(boxed));
                }
            }
        }
        else
        {
            writer.WriteMapHeader(_members.Length);
            foreach (var slot in _members)
            {
                writer.WriteRaw(slot.EncodedKey);
                slot.Formatter.Serialize(ref writer, slot.Member.Get(boxed));
            }
        }

        writer.DecrementDepth();
    }

    public T Deserialize(ref MessagePackReader reader)
    {
        if (!typeof(T).IsValueType && reader.TryReadNil())
        {
            return default!;
        }

        reader.IncrementDepth();
        var values = new object?[_members.Length];
        var present = new bool[_members.Length];
        if (_arrayLayout)
        {
            var count = reader.ReadArrayHeader();
            for (var i = 0; i < count; i++)
            {
                if (i < _byKey.Length && _byKey[i] is { } slot)
                {
                    var index = Array.IndexOf(_members, slot);
                    values[index] = slot.Formatter.Deserialize(ref reader);
                    present[index] = true;
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        else
        {
            var count = reader.ReadMapHeader();
            for (var i = 0; i < count; i++)
            {
                var index = -1;
                if (reader.TryReadStringSpan(out var key))
                {
                    for (var m = 0; m < _members.Length; m++)
                    {
                        if (key.SequenceEqual(_members[m].Utf8Name))
                        {
                            index = m;
                            break;
                        }
                    }
                }
                else
                {
                    reader.Skip();
                }

                if (index < 0)
                {
                    // Unknown keys belong to a newer version of the type or to another writer: skip them.
                    reader.Skip();
                    continue;
                }

                values[index] = _members[index].Formatter.Deserialize(ref reader);
                present[index] = true;
            }
        }

        reader.DecrementDepth();
        return Construct(values, present);
    }

    private T Construct(object?[] values, bool[] present)
    {
        object instance;
        if (_constructor is null)
        {
            instance = Activator.CreateInstance<T>()!;
        }
        else
        {
            var arguments = (object?[])_parameterDefaults.Clone();

            for (var m = 0; m < _members.Length; m++)
            {
                if (_members[m].Member.ConstructorParameter >= 0 && present[m])
                {
                    arguments[_members[m].Member.ConstructorParameter] = values[m];
                }
            }

            instance = _constructor.Invoke(arguments);
        }

        for (var m = 0; m < _members.Length; m++)
        {
            var member = _members[m].Member;
            if (member.ConstructorParameter < 0 && member.Set is not null && (present[m] || member.AlwaysAssign))
            {
                member.Set(instance, present[m] ? values[m] : _members[m].Formatter.DefaultValue);
            }
        }

        // Get-only collections last, once constructor, initializers and setters have run (generated code does the same),
        // so the collection filled is the one the finished object holds; what the constructor put in it is replaced, not
        // doubled. A payload without the member leaves the collection as constructed, as an uncalled setter would.
        for (var m = 0; m < _members.Length; m++)
        {
            if (_members[m].Populator is { } populator && present[m])
            {
                populator.Populate(_members[m].Member.Get(instance), values[m], typeof(T), _members[m].Member.DeclaredName);
            }
        }

        return (T)instance;
    }

    private static IBoxedPopulator CreatePopulator(Type collectionType)
        => (IBoxedPopulator)Activator.CreateInstance(CollectionShapes.TryGetPopulatorDefinition(collectionType)!.MakeGenericType(collectionType.GetGenericArguments()))!;

    /// <summary>
    /// What a payload without the parameter's member passes: the parameter's default value when it has one (as a C#
    /// caller leaving the argument out would; the generator emits the same value), else default(T).
    /// </summary>
    private static object? DefaultArgument(ParameterInfo parameter)
    {
        var type = parameter.ParameterType;
        var value = parameter.HasDefaultValue ? parameter.DefaultValue : null;
        if (value is null or DBNull || value == Missing.Value)
        {
            // "= default" of a struct, or no default at all.
            return type.IsValueType && Nullable.GetUnderlyingType(type) is null ? Activator.CreateInstance(type) : null;
        }

        // Metadata keeps an enum's default as its underlying integer.
        var enumType = Nullable.GetUnderlyingType(type) ?? type;
        return enumType.IsEnum && value.GetType() != enumType ? Enum.ToObject(enumType, value) : value;
    }

    private sealed record Slot(ContractMember Member, byte[] Utf8Name, byte[] EncodedKey, IBoxedFormatter Formatter, IBoxedPopulator? Populator);
}
