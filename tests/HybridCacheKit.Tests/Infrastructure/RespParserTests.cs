using System.Text;
using HybridCacheKit.TestUtilities.Redis;

namespace HybridCacheKit.Tests.Infrastructure;

public sealed class RespParserTests
{
    private static readonly byte[] NestedReply =
        Encoding.ASCII.GetBytes("*4\r\n:-7\r\n*2\r\n+OK\r\n$-1\r\n-ERR bad\r\n$5\r\na\r\nbc\r\n");

    [Fact]
    public void TryParse_NestedArray_ParsesEveryKindAndConsumesExactly()
    {
        var input = NestedReply.Concat("+NEXT\r\n"u8.ToArray()).ToArray();

        Assert.True(RespParser.TryParse(input, out var reply, out var consumed));

        Assert.Equal(NestedReply.Length, consumed);
        Assert.Equal(RespReplyKind.Array, reply!.Kind);
        Assert.Equal(-7, reply.Items![0].Integer);
        Assert.Equal("OK", reply.Items[1].Items![0].Text);
        Assert.True(reply.Items[1].Items![1].IsNull);
        Assert.True(reply.Items[2].IsError);
        Assert.Equal("ERR bad", reply.Items[2].Text);
        Assert.Equal("a\r\nbc"u8.ToArray(), reply.Items[3].Bytes);
    }

    [Fact]
    public void TryParse_EveryStrictPrefix_ReturnsFalse()
    {
        for (var length = 0; length < NestedReply.Length; length++)
        {
            Assert.False(RespParser.TryParse(NestedReply.AsSpan(0, length), out var reply, out var consumed), $"prefix {length}");
            Assert.Null(reply);
            Assert.Equal(0, consumed);
        }
    }

    [Fact]
    public void TryParse_NullArray_ReturnsNull()
    {
        Assert.True(RespParser.TryParse("*-1\r\n"u8, out var reply, out _));

        Assert.True(reply!.IsNull);
    }

    [Theory]
    [InlineData("?x\r\n")]
    [InlineData(":12a\r\n")]
    [InlineData("$3\r\nabcXY")]
    [InlineData("\r\n")]
    public void TryParse_MalformedInput_ThrowsInvalidData(string input)
    {
        Assert.Throws<InvalidDataException>(() => RespParser.TryParse(Encoding.ASCII.GetBytes(input), out _, out _));
    }
}
