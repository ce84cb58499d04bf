using Haven.Csv;

namespace Haven.Tests.Csv;

public sealed class CsvRowsTests
{
    private static readonly string[] Columns = ["word", "kind", "note"];
    private static readonly string[] Required = ["word"];

    [Fact]
    public async Task Rows_keep_their_physical_line_and_blank_rows_are_skipped()
    {
        var rows = await ReadAllAsync("\uFEFF Word ,KIND\r\nalpha,one\r\n\r\n\"two\nlines\",x\r\nbeta\r\n\"open,y\nrest\n");

        Assert.Equal(
            [
                (2L, "alpha|one", (string?)null),
                (4L, "two\nlines|x", null),
                (6L, null, "1 fields but the header has 2 columns"),
                (7L, null, "unterminated quoted field (a \" opened here is never closed)"),
            ],
            rows.Select(r => (r.Line, r.Fields is null ? null : string.Join("|", r.Fields), r.Error)));
    }

    [Theory]
    [InlineData("", 1L, "nothing here")]
    [InlineData("\n\n", 1L, "nothing here")]
    [InlineData("kind,note\nx,y\n", 1L, "bad header: missing required column 'word'")]
    [InlineData("word,colour\nx,y\n", 1L, "bad header: unknown column 'colour'")]
    [InlineData("\n\"word,kind\n", 2L, "unterminated quoted field")]
    public async Task Without_a_usable_header_one_error_says_why_and_reading_stops(string text, long line, string expected)
    {
        var row = Assert.Single(await ReadAllAsync(text));
        Assert.Equal(line, row.Line);
        Assert.StartsWith(expected, row.Error, StringComparison.Ordinal);
    }

    private static async Task<List<(long Line, string[]? Fields, string? Error)>> ReadAllAsync(string text)
    {
        var rows = new List<(long, string[]?, string?)>();
        await foreach (var row in CsvRows.ReadAsync(new CsvRecordReader(new StringReader(text)), Columns, Required, "nothing here", CancellationToken.None))
        {
            rows.Add((row.Line, row.Fields?.ToArray(), row.Error));
        }

        return rows;
    }
}
