using System.Globalization;
using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests.Resilience;

/// <summary>
/// Cuts one client's pub/sub connection while Redis stays up, and keeps it from coming back (no new connection is
/// accepted) until disposed: the state of a subscription lost while commands still flow.
/// </summary>
internal sealed class SubscriptionCut : IDisposable
{
    private readonly RespClient _raw;

    private SubscriptionCut(RespClient raw) => _raw = raw;

    /// <summary>Cuts the subscription connection of the client named <paramref name="clientName"/> (CLIENT SETNAME, or name= in the configuration).</summary>
    public static SubscriptionCut Start(RespClient raw, string clientName)
    {
        var clients = ClientList(raw);
        var subscription = Assert.Single(clients, c => c["name"] == clientName && int.Parse(c["sub"], CultureInfo.InvariantCulture) > 0);
        Assert.Equal("OK", raw.Execute("CONFIG", "SET", "maxclients", (clients.Count - 1).ToString(CultureInfo.InvariantCulture)).Text);
        var cut = new SubscriptionCut(raw);
        Assert.Equal(1, raw.Execute("CLIENT", "KILL", "ID", subscription["id"]).Integer);
        return cut;
    }

    /// <summary>Accepts connections again, so the subscription can come back.</summary>
    public void Dispose() => Assert.Equal("OK", _raw.Execute("CONFIG", "SET", "maxclients", "10000").Text);

    private static List<Dictionary<string, string>> ClientList(RespClient raw)
    {
        var text = raw.Execute("CLIENT", "LIST").Text ?? throw new InvalidOperationException("CLIENT LIST returned nothing.");
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : string.Empty))];
    }
}
