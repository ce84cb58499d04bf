using Haven.Csv;

namespace Haven.Tests.Csv;

public sealed class CsvRecordReaderTests
{
    [Fact]
    public async Task Reads_rfc4180_records_with_line_numbers()
    {
        var records = await ReadAllAsync("a,b\r\n\"x,1\",\"he said \"\"no\"\"\"\r\n\"multi\nline\",z\n,\nlast,row");

        Assert.Equal(
            [
                (1L, new[] { "a", "b" }, (string?)null),
                (2L, ["x,1", "he said \"no\""], null),
                (3L, ["multi\nline", "z"], null),
                (5L, ["", ""], null),
                (6L, ["last", "row"], null),
            ],
            records.Select(r => (r.Line, r.Fields, r.Error)));
    }

    [Fact]
    public async Task Same_records_when_the_input_arrives_one_character_at_a_time()
    {
        const string text = "h1,h2\r\n\"q\"\"\r\nx\",2\r\n3,4\r";

        var whole = await ReadAllAsync(text);
        var trickled = await ReadAllAsync(text, trickle: true);

        Assert.Equal(whole.Select(r => (r.Line, string.Join("|", r.Fields))), trickled.Select(r => (r.Line, string.Join("|", r.Fields))));
        Assert.Equal(3, trickled.Count);
        Assert.Equal("q\"\r\nx|2", string.Join("|", trickled[1].Fields));
    }

    [Fact]
    public async Task Malformed_records_are_reported_and_reading_continues()
    {
        var records = await ReadAllAsync("ok,1\nbad\"quote,2\n\"closed\"junk,3\nfine,4\n\"never closed,5\nrest");

        Assert.Null(records[0].Error);
        Assert.StartsWith("a \" inside an unquoted field", records[1].Error);
        Assert.StartsWith("text after a closing quote", records[2].Error);
        Assert.Null(records[3].Error);
        Assert.Equal(["fine", "4"], records[3].Fields);
        Assert.StartsWith("unterminated quoted field", records[4].Error);
        Assert.Equal([1L, 2L, 3L, 4L, 5L], records.Select(r => r.Line));
    }

    private static async Task<List<(long Line, string[] Fields, string? Error)>> ReadAllAsync(string text, bool trickle = false)
    {
        var reader = new CsvRecordReader(trickle ? new TrickleReader(text) : new StringReader(text));
        var fields = new List<string>();
        var records = new List<(long, string[], string?)>();
        while (await reader.ReadRecordAsync(fields, CancellationToken.None))
        {
            records.Add((reader.RecordLine, fields.ToArray(), reader.RecordError));
        }

        return records;
    }

    // Hands out one character per read, so every buffer boundary (CR|LF, "|") is exercised.
    private sealed class TrickleReader(string text) : TextReader
    {
        private int _position;

        public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

        public override int Read(Span<char> buffer)
        {
            if (_position >= text.Length || buffer.IsEmpty)
            {
                return 0;
            }

            buffer[0] = text[_position++];
            return 1;
        }

        public override ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));
    }
}
