using HybridCacheKit.Serialization.MessagePack;
using HybridCacheKit.Serialization.MessagePack.Tests.Mapping;

// The closed generic types the generator writes formatters for (their definitions are marked in GeneratedTypes.cs).
[assembly: GenerateMessagePack(typeof(GenPage<GenCustomer>))]
[assembly: GenerateMessagePack(typeof(GenPage<int>))]
[assembly: GenerateMessagePack(typeof(GenPair<string, GenAddress?>))]
