using System.Buffers;
using System.Text;

namespace Haven.Events;

/// <summary>One line of an NDJSON input: its text, or why it has none (<c>invalid_utf8</c>, <c>line_too_long</c>).</summary>
internal readonly record struct NdjsonLine(string? Text, LineError? Error)
{
    public static implicit operator NdjsonLine(string text) => new(text, null);
}

/// <summary>
/// Reads NDJSON as lines of bytes separated by <c>\n</c> (a trailing <c>\r</c> and a leading UTF-8 byte order mark are
/// dropped), and decodes each line strictly: a line that is not valid UTF-8 becomes an <c>invalid_utf8</c> error of its
/// own instead of being repaired with U+FFFD (a repaired line could collide with a different line that really holds
/// U+FFFD, and would store text the platform never sent). A line longer than the limit is skipped to its end and
/// becomes a <c>line_too_long</c> error, so memory stays bounded by the limit whatever the input.
/// </summary>
internal sealed class NdjsonReader(Stream stream, long maxLineBytes = NdjsonReader.DefaultMaxLineBytes) : IDisposable
{
    /// <summary>Longest line accepted: the largest HTTP batch.</summary>
    public const long DefaultMaxLineBytes = 256L * 1024 * 1024;

    private readonly byte[] _chunk = ArrayPool<byte>.Shared.Rent(1 << 16);
    private readonly ArrayBufferWriter<byte> _line = new(1 << 12);
    private int _start;
    private int _end;
    private bool _eof;
    private bool _first = true;

    /// <summary>Bytes consumed so far (for progress).</summary>
    public long Position { get; private set; }

    /// <summary>The next line, or null at the end of the input.</summary>
    public async ValueTask<NdjsonLine?> ReadLineAsync(CancellationToken cancellationToken = default)
    {
        _line.ResetWrittenCount();
        var any = false;
        var tooLong = false;
        long length = 0;
        while (true)
        {
            if (_start == _end)
            {
                if (!_eof)
                {
                    _start = 0;
                    _end = await stream.ReadAsync(_chunk, cancellationToken).ConfigureAwait(false);
                    _eof = _end == 0;
                }

                if (_eof)
                {
                    if (!any)
                    {
                        return null;
                    }

                    break;
                }
            }

            any = true;
            var span = _chunk.AsSpan(_start, _end - _start);
            var newline = span.IndexOf((byte)'\n');
            var take = newline < 0 ? span.Length : newline;
            length += take;
            if (length > maxLineBytes)
            {
                tooLong = true;
            }
            else
            {
                _line.Write(span[..take]);
            }

            var consumed = newline < 0 ? take : take + 1;
            _start += consumed;
            Position += consumed;
            if (newline >= 0)
            {
                break;
            }
        }

        var first = _first;
        _first = false;
        if (tooLong)
        {
            return new NdjsonLine(null, new LineError("line_too_long", $"the line is longer than {maxLineBytes:N0} bytes; send large media by URL or as multipart parts"));
        }

        return Decode(_line.WrittenSpan, first);
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>Decodes one line's bytes strictly; see the class remarks.</summary>
    public static NdjsonLine Decode(ReadOnlySpan<byte> bytes, bool first = false)
    {
        if (first && bytes.StartsWith(Utf8Bom))
        {
            bytes = bytes[3..];
        }

        if (!bytes.IsEmpty && bytes[^1] == (byte)'\r')
        {
            bytes = bytes[..^1];
        }

        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return new NdjsonLine(null, new LineError("invalid_utf8", $"the line is not valid UTF-8 (first bad byte at offset {InvalidOffset(bytes)}); send UTF-8 text"));
        }

        return new NdjsonLine(Encoding.UTF8.GetString(bytes), null);
    }

    private static int InvalidOffset(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        while (offset < bytes.Length)
        {
            var status = Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed);
            if (status != OperationStatus.Done)
            {
                return offset;
            }

            offset += consumed;
        }

        return offset;
    }

    public void Dispose() => ArrayPool<byte>.Shared.Return(_chunk);
}
