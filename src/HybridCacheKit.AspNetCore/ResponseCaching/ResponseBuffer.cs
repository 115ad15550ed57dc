using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace HybridCacheKit.AspNetCore.ResponseCaching;

/// <summary>
/// The response body of the request whose run produces a cache entry. It collects the body in a pooled buffer while it
/// stays within the size limit, so the response can be measured, checked and stored before anything is sent. Past the
/// limit, or when the endpoint calls <c>DisableBuffering</c>, it switches to streaming: what was collected goes to the
/// server's writer and every later write passes straight through, so a large body is never held whole in memory (it is
/// then not cached). Both the <see cref="PipeWriter"/> and the <see cref="Stream"/> write into the same buffer, in order.
/// </summary>
internal sealed class ResponseBuffer : PipeWriter, IHttpResponseBodyFeature
{
    private const int MinimumSegment = 256;

    private readonly IHttpResponseBodyFeature _inner;
    private readonly long _limit;
    private byte[]? _buffer;
    private int _length;
    private bool _finished;
    private BufferStream? _stream;

    public ResponseBuffer(IHttpResponseBodyFeature inner, long limit)
    {
        _inner = inner;
        _limit = limit;
    }

    /// <summary>Whether the body went past the limit (or buffering was disabled) and was streamed to the client.</summary>
    public bool IsStreaming { get; private set; }

    /// <summary>Why the body was streamed: <see cref="NotStoredReason.TooLarge"/> or <see cref="NotStoredReason.BufferingDisabled"/>.</summary>
    public NotStoredReason StreamingReason { get; private set; }

    /// <summary>The number of bytes collected so far.</summary>
    public int Length => _length;

    Stream IHttpResponseBodyFeature.Stream => _stream ??= new BufferStream(this);

    PipeWriter IHttpResponseBodyFeature.Writer => this;

    void IHttpResponseBodyFeature.DisableBuffering()
    {
        if (!IsStreaming)
        {
            SwitchToStreaming(NotStoredReason.BufferingDisabled);
        }

        _inner.DisableBuffering();
    }

    // While collecting, nothing is sent: the cache decides, then starts the real response itself.
    Task IHttpResponseBodyFeature.StartAsync(CancellationToken cancellationToken)
        => IsStreaming ? _inner.StartAsync(cancellationToken) : Task.CompletedTask;

    Task IHttpResponseBodyFeature.SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken)
        => SendFileFallback.SendFileAsync(((IHttpResponseBodyFeature)this).Stream, path, offset, count, cancellationToken);

    Task IHttpResponseBodyFeature.CompleteAsync() => FlushAsync().AsTask();

    public override void Advance(int bytes)
    {
        ThrowIfFinished();
        if (IsStreaming)
        {
            _inner.Writer.Advance(bytes);
            return;
        }

        if ((uint)bytes > (uint)(_buffer?.Length - _length ?? 0))
        {
            throw new ArgumentOutOfRangeException(nameof(bytes));
        }

        _length += bytes;
        if (_length > _limit)
        {
            SwitchToStreaming(NotStoredReason.TooLarge);
        }
    }

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        ThrowIfFinished();
        if (IsStreaming)
        {
            return _inner.Writer.GetMemory(sizeHint);
        }

        Ensure(Math.Max(sizeHint, 1));
        return _buffer.AsMemory(_length);
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    // Writers such as System.Text.Json flush when this grows. While collecting there is nothing a flush would send.
    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => IsStreaming && _inner.Writer.CanGetUnflushedBytes ? _inner.Writer.UnflushedBytes : 0;

    public override void CancelPendingFlush()
    {
        if (IsStreaming)
        {
            _inner.Writer.CancelPendingFlush();
        }
    }

    // The server completes the response when the pipeline returns; an endpoint completing its writer early ends its
    // writing, not the response the cache still has to send.
    public override void Complete(Exception? exception = null)
    {
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        => IsStreaming ? _inner.Writer.FlushAsync(cancellationToken) : new ValueTask<FlushResult>(new FlushResult(false, false));

    /// <summary>Writes (buffered or streamed, see the class remarks).</summary>
    public void WriteCore(ReadOnlySpan<byte> source)
    {
        ThrowIfFinished();
        if (IsStreaming)
        {
            _inner.Writer.Write(source);
            return;
        }

        if (_length + (long)source.Length > _limit)
        {
            SwitchToStreaming(NotStoredReason.TooLarge);
            _inner.Writer.Write(source);
            return;
        }

        Ensure(source.Length);
        source.CopyTo(_buffer.AsSpan(_length));
        _length += source.Length;
    }

    /// <summary>After the endpoint returned: pushes out what a streamed body still holds.</summary>
    public async ValueTask FinishAsync()
    {
        if (IsStreaming)
        {
            await _inner.Writer.FlushAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The collected body as an exact-size array; the buffer goes back to the pool and later writes throw.</summary>
    public byte[] TakeBody()
    {
        var body = _length == 0 ? [] : _buffer.AsSpan(0, _length).ToArray();
        Release();
        return body;
    }

    /// <summary>Returns the buffer to the pool (for a run that failed).</summary>
    public void Release()
    {
        _finished = true;
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }

    private void SwitchToStreaming(NotStoredReason reason)
    {
        IsStreaming = true;
        StreamingReason = reason;
        if (_length > 0)
        {
            _inner.Writer.Write(_buffer.AsSpan(0, _length));
        }

        _length = 0;
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }

    private void Ensure(int extra)
    {
        var needed = _length + extra;
        if (_buffer is not null && needed <= _buffer.Length)
        {
            return;
        }

        var next = ArrayPool<byte>.Shared.Rent(Math.Max(Math.Max(needed, MinimumSegment), (_buffer?.Length ?? 0) * 2));
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, _length).CopyTo(next);
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = next;
    }

    private void ThrowIfFinished()
        => ObjectDisposedException.ThrowIf(_finished, this);

    /// <summary>The <see cref="Stream"/> face of the buffer.</summary>
    private sealed class BufferStream(ResponseBuffer owner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
            if (owner.IsStreaming)
            {
                owner._inner.Stream.Flush();
            }
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => owner.FlushAsync(cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            ValidateBufferArguments(buffer, offset, count);
            Write(buffer.AsSpan(offset, count));
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (owner.IsStreaming)
            {
                // As without the cache: the server decides whether synchronous writes are allowed.
                owner._inner.Stream.Write(buffer);
                return;
            }

            owner.WriteCore(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            ValidateBufferArguments(buffer, offset, count);
            return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            owner.WriteCore(buffer.Span);
            if (owner.IsStreaming)
            {
                await owner._inner.Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
