using System.Text;
using Haven.Events;

namespace Haven.Tests.Events;

public sealed class NdjsonReaderTests
{
    private static async Task<List<NdjsonLine>> ReadAll(byte[] input, long maxLine = NdjsonReader.DefaultMaxLineBytes, int chunk = 0)
    {
        // A stream that returns few bytes per read, so lines straddle the reader's buffer.
        Stream stream = chunk > 0 ? new TrickleStream(input, chunk) : new MemoryStream(input);
        using var reader = new NdjsonReader(stream, maxLine);
        var lines = new List<NdjsonLine>();
        while (await reader.ReadLineAsync() is { } line)
        {
            lines.Add(line);
        }

        Assert.Equal(input.Length, reader.Position);
        return lines;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Lines_split_on_newline_with_crlf_bom_and_a_last_line_without_newline(int chunk)
    {
        var input = Encoding.UTF8.GetBytes("\uFEFFfirst\r\nsecond\n\nthird é");
        var lines = await ReadAll(input, chunk: chunk);
        Assert.Equal(["first", "second", "", "third é"], lines.Select(l => l.Text));
        Assert.All(lines, l => Assert.Null(l.Error));
    }

    [Fact]
    public async Task Empty_input_has_no_lines_and_a_trailing_newline_adds_none()
    {
        Assert.Empty(await ReadAll([]));
        Assert.Equal(["a"], (await ReadAll("a\n"u8.ToArray())).Select(l => l.Text));
    }

    [Fact]
    public async Task Invalid_utf8_is_an_error_of_that_line_only_and_never_becomes_U_FFFD()
    {
        byte[] input = [.. "good\n"u8, .. "ba"u8, 0xC3, 0x28, .. "d\n"u8, .. "real \uFFFD\n"u8.ToArray(), 0xED, 0xA0, 0x80, (byte)'\n'];
        var lines = await ReadAll(input);
        Assert.Equal(4, lines.Count);
        Assert.Equal("good", lines[0].Text);
        Assert.Equal("invalid_utf8", lines[1].Error?.Code);
        Assert.Contains("offset 2", lines[1].Error!.Message);
        Assert.Null(lines[1].Text);
        Assert.Equal("real \uFFFD", lines[2].Text);

        // An encoded surrogate (CESU-8) is not UTF-8 either.
        Assert.Equal("invalid_utf8", lines[3].Error?.Code);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public async Task An_over_long_line_is_skipped_to_its_end_and_the_next_line_is_read(int chunk)
    {
        var input = Encoding.UTF8.GetBytes("short\n" + new string('x', 100) + "\nafter\n");
        var lines = await ReadAll(input, maxLine: 50, chunk: chunk);
        Assert.Equal(3, lines.Count);
        Assert.Equal("short", lines[0].Text);
        Assert.Equal("line_too_long", lines[1].Error?.Code);
        Assert.Equal("after", lines[2].Text);
    }

    private sealed class TrickleStream(byte[] data, int chunk) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => data.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, chunk), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
