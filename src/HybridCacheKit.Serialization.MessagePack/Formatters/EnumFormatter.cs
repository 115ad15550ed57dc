using System.Runtime.CompilerServices;

namespace HybridCacheKit.Serialization.MessagePack.Formatters;

/// <summary>An enum is its underlying integer. Values without a name are kept as they are, as System.Text.Json does.</summary>
internal sealed class EnumFormatter<T> : IMessagePackFormatter<T>
    where T : struct, Enum
{
    public static readonly EnumFormatter<T> Instance = new();

    // Type.GetTypeCode of an enum is its underlying type's code; no reflection over members is needed.
    private static readonly TypeCode s_underlying = Type.GetTypeCode(typeof(T));

    public void Serialize(ref MessagePackWriter writer, T value)
    {
        switch (s_underlying)
        {
            case TypeCode.Byte:
                writer.Write(Unsafe.As<T, byte>(ref value));
                break;
            case TypeCode.SByte:
                writer.Write(Unsafe.As<T, sbyte>(ref value));
                break;
            case TypeCode.Int16:
                writer.Write(Unsafe.As<T, short>(ref value));
                break;
            case TypeCode.UInt16:
                writer.Write(Unsafe.As<T, ushort>(ref value));
                break;
            case TypeCode.Int32:
                writer.Write(Unsafe.As<T, int>(ref value));
                break;
            case TypeCode.UInt32:
                writer.Write(Unsafe.As<T, uint>(ref value));
                break;
            case TypeCode.Int64:
                writer.Write(Unsafe.As<T, long>(ref value));
                break;
            default:
                writer.Write(Unsafe.As<T, ulong>(ref value));
                break;
        }
    }

    public T Deserialize(ref MessagePackReader reader)
    {
        switch (s_underlying)
        {
            case TypeCode.Byte:
                var b = reader.ReadByte();
                return Unsafe.As<byte, T>(ref b);
            case TypeCode.SByte:
                var sb = reader.ReadSByte();
                return Unsafe.As<sbyte, T>(ref sb);
            case TypeCode.Int16:
                var s = reader.ReadInt16();
                return Unsafe.As<short, T>(ref s);
            case TypeCode.UInt16:
                var us = reader.ReadUInt16();
                return Unsafe.As<ushort, T>(ref us);
            case TypeCode.Int32:
                var i = reader.ReadInt32();
                return Unsafe.As<int, T>(ref i);
            case TypeCode.UInt32:
                var ui = reader.ReadUInt32();
                return Unsafe.As<uint, T>(ref ui);
            case TypeCode.Int64:
                var l = reader.ReadInt64();
                return Unsafe.As<long, T>(ref l);
            default:
                var ul = reader.ReadUInt64();
                return Unsafe.As<ulong, T>(ref ul);
        }
    }
}
