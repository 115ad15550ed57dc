using HybridCacheKit.Distributed;
using HybridCacheKit.StackExchangeRedis.Internal;
using HybridCacheKit.StackExchangeRedis.Tests.MultiNode;
using HybridCacheKit.TestUtilities;
using HybridCacheKit.TestUtilities.Logging;
using HybridCacheKit.TestUtilities.Redis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace HybridCacheKit.StackExchangeRedis.Tests.Backplane;

/// <summary>The backplane on its own (no engine), against the shared server, with a recording listener.</summary>
[Collection(RedisServerFixture.CollectionName)]
public sealed class RedisBackplaneTests(RedisServerFixture redis) : IDisposable
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);
    private readonly List<IDisposable> _disposables = [];
    private readonly string _instanceName = $"hck-bp-{Guid.NewGuid():N}:";

    [Fact]
    public async Task Subscribe_ServerUp_ReportsConnectedOnceHeartbeatReturns()
    {
        var (backplane, listener, _) = Create();

        backplane.Subscribe(listener);

        await Eventually.TrueAsync(() => backplane.IsConnected, s_wait, "the backplane did not connect");
        Assert.Equal(["reconnected"], listener.ConnectionEvents);
    }

    [Fact]
    public async Task PublishAsync_FromOtherInstance_DeliveredToListener()
    {
        var (a, _, _) = await CreateConnectedAsync();
        var (b, listenerB, _) = await CreateConnectedAsync();
        var message = new HybridCacheBackplaneMessage(HybridCacheBackplaneMessageKind.KeyRemoved, "key-1", 12345);

        Assert.True(await a.PublishAsync(message, CancellationToken.None));

        await Eventually.TrueAsync(() => listenerB.Messages.Count == 1, s_wait, "B did not receive A's message");
        Assert.Equal(message, listenerB.Messages[0]);
        Assert.NotEqual(a.InstanceId, b.InstanceId);
    }

    [Fact]
    public async Task PublishAsync_ConcurrentChanges_AllArriveOnceInBatchesOfAtMostTheLimit()
    {
        var (a, listenerA, _) = await CreateConnectedAsync();
        var (_, listenerB, _) = await CreateConnectedAsync();
        a.MaxChangesPerPublish = 3;
        var messages = Enumerable.Range(0, 40)
            .Select(i => new HybridCacheBackplaneMessage((HybridCacheBackplaneMessageKind)(1 + (i % 3)), "key-" + i, 1_000 + i))
            .ToList();

        // Started together: the first goes alone, the rest queue behind it and leave in frames of at most 3.
        var sent = messages.Select(m => a.PublishAsync(m, CancellationToken.None).AsTask()).ToList();

        Assert.All(await Task.WhenAll(sent), Assert.True);
        await Eventually.TrueAsync(() => listenerB.Messages.Count == messages.Count, s_wait, "B did not receive every change");
        // Each exactly once. The order across PUBLISH commands is not kept on the receiving side (StackExchange.Redis
        // hands each pub/sub message to the thread pool); evictions and tag stamps do not depend on it.
        Assert.Equal(messages.OrderBy(m => m.Subject, StringComparer.Ordinal), listenerB.Messages.OrderBy(m => m.Subject, StringComparer.Ordinal));
        Assert.InRange(a.Publishes, 1 + ((messages.Count - 1 + 2) / 3), messages.Count);
        await Eventually.TrueAsync(() => a.OwnMessagesIgnored == messages.Count, s_wait, "A's own changes did not all come back to it");
        Assert.Empty(listenerA.Messages);
    }

    [Fact]
    public async Task Receive_ListenerThrowsOnOneMessageOfABatch_TheRestOfTheBatchIsStillDelivered()
    {
        var (a, _, _) = await CreateConnectedAsync();
        var (b, _, logs) = Create();
        var listener = new ThrowingListener("key-poison");
        b.Subscribe(listener);
        await Eventually.TrueAsync(() => b.IsConnected, s_wait, "the backplane did not connect");
        a.MaxChangesPerPublish = 16;
        var messages = new[] { "key-first", "key-poison", "key-2", "key-3", "key-4", "key-5" }
            .Select((subject, i) => new HybridCacheBackplaneMessage(HybridCacheBackplaneMessageKind.KeyRemoved, subject, 1_000 + i))
            .ToList();

        // The first goes alone; the rest queue behind it and leave as one batch, the poison first in it.
        var sent = messages.Select(m => a.PublishAsync(m, CancellationToken.None).AsTask()).ToList();
        Assert.All(await Task.WhenAll(sent), Assert.True);
        Assert.True(a.Publishes < messages.Count, $"the changes were not batched ({a.Publishes} publishes)");

        await Eventually.TrueAsync(() => listener.Delivered.Count == messages.Count - 1, s_wait, $"B got {listener.Delivered.Count} of the {messages.Count - 1} other changes");
        Assert.Equal(messages.Where(m => m.Subject != "key-poison").Select(m => m.Subject).Order(StringComparer.Ordinal), listener.Delivered.Order(StringComparer.Ordinal));
        Assert.Contains(logs.Entries, e => e.Exception is InvalidOperationException);
    }

    [Fact]
    public async Task PublishAsync_SubjectWithALoneSurrogate_ReturnsFalseAndLaterMessagesStillGoOut()
    {
        var (a, _, _) = await CreateConnectedAsync();
        var (_, listenerB, _) = await CreateConnectedAsync();

        // No UTF-8 form exists for this subject: it is refused, and it must not jam the sender's outbox.
        var bad = a.PublishAsync(new HybridCacheBackplaneMessage(HybridCacheBackplaneMessageKind.TagInvalidated, "bad\uD800", 1), CancellationToken.None).AsTask();
        Assert.False(await bad.WaitAsync(s_wait));
        var good = new HybridCacheBackplaneMessage(HybridCacheBackplaneMessageKind.KeyRemoved, "key-2", 2);
        Assert.True(await a.PublishAsync(good, CancellationToken.None).AsTask().WaitAsync(s_wait));

        await Eventually.TrueAsync(() => listenerB.Messages.Contains(good), s_wait, "B did not receive the message sent after the refused one");
        Assert.DoesNotContain(listenerB.Messages, m => m.Subject.StartsWith("bad", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PublishAsync_OwnMessage_IgnoredBySender()
    {
        var (a, listenerA, _) = await CreateConnectedAsync();
        var (_, listenerB, _) = await CreateConnectedAsync();

        Assert.True(await a.PublishAsync(new HybridCacheBackplaneMessage(HybridCacheBackplaneMessageKind.KeyChanged, "mine", 1), CancellationToken.None));

        await Eventually.TrueAsync(() => listenerB.Messages.Count == 1, s_wait, "B did not receive the message");
        await Eventually.TrueAsync(() => a.OwnMessagesIgnored == 1, s_wait, "A's own message did not come back to it");
        Assert.Empty(listenerA.Messages);
    }

    [Fact]
    public async Task OnMessage_GarbageAndFutureVersionsPublishedRaw_IgnoredCountedAndLogged()
    {
        var (b, listenerB, logs) = await CreateConnectedAsync();
        using var raw = redis.Server.CreateClient();
        var futureVersion = BackplaneMessageCodec.Encode(WireKind.KeyChanged, Guid.NewGuid(), 1, "k");
        futureVersion[0] = 2;
        var unknownKind = BackplaneMessageCodec.Encode(WireKind.KeyChanged, Guid.NewGuid(), 1, "k");
        unknownKind[1] = 0x7F;
        byte[][] unreadable = [[], "garbage"u8.ToArray(), [1, 1, 2], futureVersion, unknownKind];

        foreach (var payload in unreadable)
        {
            raw.Execute("PUBLISH", b.ChannelName, payload);
        }

        // A valid message after the garbage still gets through: nothing broke.
        var valid = BackplaneMessageCodec.Encode(WireKind.KeyRemoved, Guid.NewGuid(), 2, "after-garbage");
        raw.Execute("PUBLISH", b.ChannelName, valid);

        // StackExchange.Redis hands each pub/sub message to the thread pool, so the valid one may be handled before
        // some of the garbage: wait for all six.
        await Eventually.TrueAsync(
            () => listenerB.Messages.Count == 1 && b.RejectedMessages == unreadable.Length && logs.Entries.Any(e => e.EventId.Id == 2202),
            s_wait,
            "the valid message did not arrive, or not every unreadable one was rejected and logged");
        Assert.Equal("after-garbage", listenerB.Messages[0].Subject);
        Assert.Equal(unreadable.Length, b.RejectedMessages);
        Assert.True(b.IsConnected);
    }

    [Fact]
    public async Task PublishAsync_NoServer_ReturnsFalseWithoutThrowing()
    {
        var port = TestPorts.GetFreeTcpPort();
        var (backplane, listener, _) = Create($"127.0.0.1:{port},connectTimeout=200", o => o.OperationTimeout = TimeSpan.FromMilliseconds(200));
        backplane.Subscribe(listener);

        var sent = await backplane.PublishAsync(new HybridCacheBackplaneMessage(HybridCacheBackplaneMessageKind.KeyChanged, "k", 1), CancellationToken.None)
            .AsTask().WaitAsync(s_wait);

        Assert.False(sent);
        Assert.False(backplane.IsConnected);
    }

    [Fact]
    public async Task PublishAsync_CallerTokenCancelled_StillPublishes()
    {
        var (a, _, _) = await CreateConnectedAsync();
        var (_, listenerB, _) = await CreateConnectedAsync();

        var sent = await a.PublishAsync(new HybridCacheBackplaneMessage(HybridCacheBackplaneMessageKind.KeyChanged, "k", 1), new CancellationToken(canceled: true));

        Assert.True(sent);
        await Eventually.TrueAsync(() => listenerB.Messages.Count == 1, s_wait, "the change was not announced");
    }

    [Fact]
    public async Task Subscribe_SubscriptionSilentlyLost_ReportsDisconnectedThenResubscribes()
    {
        var timings = new RedisBackplaneTimings(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500));
        var (b, listenerB, logs) = await CreateConnectedAsync(timings);
        var (a, _, _) = await CreateConnectedAsync();

        // Drop B's handler behind its back: nothing fails, messages simply stop arriving (like a half-open connection).
        await b.Connection.Multiplexer!.GetSubscriber().UnsubscribeAsync(new RedisChannel(b.ChannelName, RedisChannel.PatternMode.Literal)).WaitAsync(s_wait);

        await Eventually.TrueAsync(() => listenerB.ConnectionEvents.Count >= 3, s_wait, "B did not detect the lost subscription and come back");
        Assert.Equal(["reconnected", "disconnected", "reconnected"], listenerB.ConnectionEvents.Take(3));
        Assert.Contains(logs.Entries, e => e.EventId.Id == 2201 && e.Message.Contains("heartbeat", StringComparison.Ordinal));

        Assert.True(await a.PublishAsync(new HybridCacheBackplaneMessage(HybridCacheBackplaneMessageKind.KeyChanged, "after", 1), CancellationToken.None));
        await Eventually.TrueAsync(() => listenerB.Messages.Any(m => m.Subject == "after"), s_wait, "B did not receive messages after resubscribing");
    }

    [Fact]
    public async Task Subscribe_ServerUnresponsiveWithoutSocketFailure_ReportsDisconnectedThenReconnected()
    {
        // Nothing fails loudly (like a partition or a frozen server): pings can be neither published nor received.
        await using var server = await RedisServer.StartAsync();
        var timings = new RedisBackplaneTimings(TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(600));
        var (b, listener, logs) = Create(server.ConfigurationString, o => o.OperationTimeout = TimeSpan.FromMilliseconds(200), timings);
        b.Subscribe(listener);
        await Eventually.TrueAsync(() => b.IsConnected, s_wait, "the backplane did not connect");
        using var raw = server.CreateClient();

        Assert.Equal("OK", raw.Execute("CLIENT", "PAUSE", "3000", "ALL").Text);

        await Eventually.TrueAsync(() => !b.IsConnected, s_wait, "the unresponsive server was not noticed");
        Assert.Contains(logs.Entries, e => e.EventId.Id == 2201 && e.Message.Contains("heartbeat", StringComparison.Ordinal));
        await Eventually.TrueAsync(() => b.IsConnected, TimeSpan.FromSeconds(15), "the backplane did not come back after the pause");
        Assert.Equal(["reconnected", "disconnected", "reconnected"], listener.ConnectionEvents);
    }

    [Fact]
    public async Task Dispose_Subscribed_StopsSupervisionAndReportsNotConnected()
    {
        var (backplane, _, _) = await CreateConnectedAsync();

        backplane.Dispose();

        await backplane.Supervisor!.WaitAsync(s_wait);
        Assert.False(backplane.IsConnected);
        Assert.False(await backplane.PublishAsync(new HybridCacheBackplaneMessage(HybridCacheBackplaneMessageKind.KeyChanged, "k", 1), CancellationToken.None));
    }

    [Fact]
    public void Subscribe_SecondListener_Throws()
    {
        var (backplane, listener, _) = Create();
        backplane.Subscribe(listener);

        Assert.Throws<InvalidOperationException>(() => backplane.Subscribe(new RecordingListener()));
    }

    [Fact]
    public void ChannelName_IsInstanceNamePlusBackplaneSuffix()
    {
        var (backplane, _, _) = Create();

        Assert.Equal(_instanceName + "__hck:backplane", backplane.ChannelName);
    }

    public void Dispose()
    {
        for (var i = _disposables.Count - 1; i >= 0; i--)
        {
            _disposables[i].Dispose();
        }
    }

    private async Task<(RedisBackplane Backplane, RecordingListener Listener, CapturingLoggerProvider Logs)> CreateConnectedAsync(RedisBackplaneTimings? timings = null)
    {
        var created = Create(timings: timings);
        created.Backplane.Subscribe(created.Listener);
        await Eventually.TrueAsync(() => created.Backplane.IsConnected, s_wait, "the backplane did not connect");
        return created;
    }

    private (RedisBackplane Backplane, RecordingListener Listener, CapturingLoggerProvider Logs) Create(
        string? configuration = null,
        Action<HybridCacheKitRedisOptions>? configure = null,
        RedisBackplaneTimings? timings = null)
    {
        var options = new HybridCacheKitRedisOptions
        {
            Configuration = configuration ?? redis.ConfigurationString,
            InstanceName = _instanceName,
            OperationTimeout = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(options);
        var logs = new CapturingLoggerProvider();
        var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        var connection = new RedisConnection(options, TimeProvider.System, loggerFactory);
        var backplane = new RedisBackplane(connection, timings ?? RedisBackplaneTimings.Default, loggerFactory);
        _disposables.Add(loggerFactory);
        _disposables.Add(connection);
        _disposables.Add(backplane);
        return (backplane, new RecordingListener(), logs);
    }
}

internal sealed class ThrowingListener(string poison) : HybridCacheKit.Distributed.IHybridCacheBackplaneListener
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _delivered = new();

    public IReadOnlyList<string> Delivered => [.. _delivered];

    public void OnMessage(HybridCacheBackplaneMessage message)
    {
        if (message.Subject == poison)
        {
            throw new InvalidOperationException("listener failure");
        }

        _delivered.Enqueue(message.Subject);
    }

    public void OnDisconnected()
    {
    }

    public void OnReconnected()
    {
    }
}
