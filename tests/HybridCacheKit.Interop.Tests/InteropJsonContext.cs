using System.Text.Json.Serialization;

namespace HybridCacheKit.Interop.Tests;

/// <summary>Lists string, so a cache given this context writes top-level strings as JSON strings (the opt-in of the JSON interop tests).</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class InteropJsonContext : JsonSerializerContext;
