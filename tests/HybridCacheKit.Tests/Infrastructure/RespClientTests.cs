using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.Tests.Infrastructure;

[Collection(RedisServerFixture.CollectionName)]
public sealed class RespClientTests(RedisServerFixture fixture)
{
    private static string NewKey() => "resp-test:" + Guid.NewGuid().ToString("N");

    [Fact]
    public void Execute_SetThenGet_ReturnsBulkString()
    {
        using var client = fixture.Server.CreateClient();
        var key = NewKey();

        var set = client.Execute("SET", key, "héllo");
        var get = client.Execute("GET", key);

        Assert.Equal(RespReplyKind.SimpleString, set.Kind);
        Assert.Equal("OK", set.Text);
        Assert.Equal(RespReplyKind.BulkString, get.Kind);
        Assert.Equal("héllo", get.Text);
    }

    [Fact]
    public async Task ExecuteAsync_MissingKey_ReturnsNull()
    {
        await using var client = await fixture.Server.CreateClientAsync();

        var reply = await client.ExecuteAsync("GET", NewKey());

        Assert.True(reply.IsNull);
        Assert.Null(reply.Bytes);
    }

    [Fact]
    public async Task ExecuteAsync_Incr_ReturnsInteger()
    {
        await using var client = await fixture.Server.CreateClientAsync();
        var key = NewKey();

        await client.ExecuteAsync("INCRBY", key, 40);
        var reply = await client.ExecuteAsync("INCR", key);

        Assert.Equal(RespReplyKind.Integer, reply.Kind);
        Assert.Equal(41, reply.Integer);
    }

    [Fact]
    public void Execute_UnknownCommand_ReturnsErrorReplyAndStaysUsable()
    {
        using var client = fixture.Server.CreateClient();

        var reply = client.Execute("NOSUCHCOMMAND", "x");

        Assert.True(reply.IsError);
        Assert.StartsWith("ERR unknown command", reply.Text, StringComparison.Ordinal);
        Assert.Equal("PONG", client.Execute("PING").Text);
    }

    [Fact]
    public async Task ExecuteAsync_MGetWithMissingKey_ReturnsArrayWithNull()
    {
        await using var client = await fixture.Server.CreateClientAsync();
        var (present, missing) = (NewKey(), NewKey());
        await client.ExecuteAsync("SET", present, "1");

        var reply = await client.ExecuteAsync("MGET", present, missing);

        Assert.Equal(RespReplyKind.Array, reply.Kind);
        Assert.Equal(2, reply.Items!.Count);
        Assert.Equal("1", reply.Items[0].Text);
        Assert.True(reply.Items[1].IsNull);
    }

    [Fact]
    public async Task ExecuteAsync_ScriptReturningNestedTable_ReturnsNestedArray()
    {
        await using var client = await fixture.Server.CreateClientAsync();

        var reply = await client.ExecuteAsync("EVAL", "return {1, {2, 'x'}}", 0);

        Assert.Equal(1, reply.Items![0].Integer);
        Assert.Equal(2, reply.Items[1].Items![0].Integer);
        Assert.Equal("x", reply.Items[1].Items![1].Text);
    }

    [Fact]
    public async Task ExecuteAsync_BinaryValueWithCrLf_RoundTripsBytes()
    {
        await using var client = await fixture.Server.CreateClientAsync();
        var key = NewKey();
        var value = Enumerable.Range(0, 256).Select(i => (byte)i).Concat("\r\n"u8.ToArray()).ToArray();

        await client.ExecuteAsync("SET", key, value);
        var reply = await client.ExecuteAsync("GET", key);

        Assert.Equal(value, reply.Bytes);
    }

    [Fact]
    public void Execute_ValueLargerThanReceiveBuffer_RoundTrips()
    {
        using var client = fixture.Server.CreateClient();
        var key = NewKey();
        var value = new byte[3 * 1024 * 1024];
        new Random(42).NextBytes(value);

        client.Execute("SET", key, value);
        var reply = client.Execute("GET", key);

        Assert.Equal(value, reply.Bytes);
    }

    [Fact]
    public async Task ExecuteAsync_ConcurrentCallers_EachGetTheirOwnReply()
    {
        await using var client = await fixture.Server.CreateClientAsync();
        var prefix = NewKey();

        var replies = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            await client.ExecuteAsync("SET", $"{prefix}:{i}", i);
            return (i, reply: await client.ExecuteAsync("GET", $"{prefix}:{i}"));
        }));

        Assert.All(replies, r => Assert.Equal(r.i.ToString(System.Globalization.CultureInfo.InvariantCulture), r.reply.Text));
    }

    [Fact]
    public void Execute_UnsupportedArgumentType_Throws()
    {
        using var client = fixture.Server.CreateClient();

        Assert.Throws<ArgumentException>(() => client.Execute("SET", "k", new object()));
    }

    [Fact]
    public void Execute_AfterDispose_ThrowsObjectDisposed()
    {
        var client = fixture.Server.CreateClient();
        client.Dispose();

        Assert.Throws<ObjectDisposedException>(() => client.Execute("PING"));
    }
}
