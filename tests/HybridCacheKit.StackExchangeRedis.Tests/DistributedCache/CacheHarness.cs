using System.Globalization;
using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.TestUtilities.Logging;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Logging;

namespace HybridCacheKit.StackExchangeRedis.Tests.DistributedCache;

/// <summary>
/// A <see cref="RedisDistributedCache"/> over its own <see cref="RedisConnection"/> with a unique instance name, plus a
/// raw RESP client on the same server for seeding and inspecting keys the way another program (or Microsoft's
/// RedisCache) would see them.
/// </summary>
internal sealed class CacheHarness : IDisposable
{
    private readonly ILoggerFactory _loggerFactory;

    private CacheHarness(RedisServer server, HybridCacheKitRedisOptions options, TimeProvider time, CapturingLoggerProvider logs, string? password)
    {
        Options = options;
        Logs = logs;
        _loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        Connection = new RedisConnection(options, time, _loggerFactory);
        Cache = new RedisDistributedCache(Connection, _loggerFactory);
        Raw = server.CreateClient();
        if (password is not null)
        {
            RawOk(Raw.Execute("AUTH", password));
        }
    }

    public HybridCacheKitRedisOptions Options { get; }

    public RedisConnection Connection { get; }

    public RedisDistributedCache Cache { get; }

    public CapturingLoggerProvider Logs { get; }

    /// <summary>A raw client on the same server (authenticated when the harness was given a password).</summary>
    public RespClient Raw { get; }

    public string Prefix => Options.InstanceName;

    /// <summary>Creates a harness; the operation timeout is generous unless <paramref name="configure"/> changes it.</summary>
    public static CacheHarness Create(RedisServer server, TimeProvider? time = null, Action<HybridCacheKitRedisOptions>? configure = null, string? password = null)
    {
        var options = new HybridCacheKitRedisOptions
        {
            Configuration = password is null ? server.ConfigurationString : $"{server.ConfigurationString},password={password}",
            InstanceName = $"hck-dc-{Guid.NewGuid():N}:",
            OperationTimeout = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(options);
        return new CacheHarness(server, options, time ?? TimeProvider.System, new CapturingLoggerProvider(), password);
    }

    /// <summary>The Redis key of cache key <paramref name="key"/>.</summary>
    public string RedisKey(string key) => Prefix + key;

    /// <summary>The key's remaining time to live in milliseconds (-1: no TTL, -2: no key).</summary>
    public long Pttl(string key) => Raw.Execute("PTTL", RedisKey(key)).Integer;

    /// <summary>Every field of the key's hash, by name.</summary>
    public Dictionary<string, byte[]> HashGetAll(string key)
    {
        var reply = Raw.Execute("HGETALL", RedisKey(key));
        var items = reply.Items ?? throw new InvalidOperationException($"HGETALL returned {reply}.");
        var fields = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i += 2)
        {
            fields[items[i].Text!] = items[i + 1].Bytes!;
        }

        return fields;
    }

    /// <summary>A field that must hold a decimal integer.</summary>
    public static long Long(Dictionary<string, byte[]> fields, string name)
        => long.Parse(System.Text.Encoding.ASCII.GetString(fields[name]), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    public static void RawOk(RespReply reply)
    {
        if (reply.IsError)
        {
            throw new InvalidOperationException($"Redis refused a setup command: {reply.Text}");
        }
    }

    public void Dispose()
    {
        Connection.Dispose();
        Raw.Dispose();
        _loggerFactory.Dispose();
    }
}
