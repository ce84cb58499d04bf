using Haven.Events;

namespace Haven.Tests.Events;

public sealed class MultipartMediaTests
{
    private const string Head = "{\"id\":\"e\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"x\",";

    private static readonly Dictionary<string, byte[]> Parts = new() { ["a"] = [1, 2, 3] };

    private static string Inline(string line) => MultipartMedia.Inline(line, Parts, new HashSet<string>());

    [Fact]
    public void A_named_part_becomes_base64_bytes_and_the_line_then_parses()
    {
        var line = Head + "\"post\":{\"id\":\"p\",\"media\":[{\"id\":\"m\",\"part\":\"a\"}]}}";

        var inlined = Inline(line);

        Assert.Contains("\"bytes\":\"AQID\"", inlined, StringComparison.Ordinal);
        Assert.DoesNotContain("\"part\"", inlined, StringComparison.Ordinal);
        Assert.True(EventParser.TryParse(inlined, out _, out _, out var error), error);
        Assert.Equal(inlined, Inline(line));
    }

    [Theory]
    [InlineData("{broken \"part\"")]
    [InlineData("{\"id\":\"e\",\"part\":\"a\"}")]
    [InlineData("[\"part\"]")]
    [InlineData("{\"post\":[\"part\"]}")]
    [InlineData("{\"post\":{\"media\":[{\"part\":\"a\"}]},\"post\":{}}")]
    [InlineData("{\"id\":\"e\",\"type\":\"follow.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"x\",\"target\":\"y\"}")]
    public void Lines_without_resolvable_parts_are_left_for_the_parser(string line) => Assert.Equal(line, Inline(line));

    [Fact]
    public void An_unresolved_part_is_a_line_error_that_says_so()
    {
        var line = Head + "\"post\":{\"id\":\"p\",\"media\":[{\"part\":\"zzz\"}]}}";
        Assert.False(EventParser.TryParse(Inline(line), out _, out _, out var error));
        Assert.Contains("'zzz' does not name a part", error);
    }

    [Fact]
    public void A_part_is_used_once_so_it_cannot_be_multiplied_across_items_and_lines()
    {
        var used = new HashSet<string>();
        var twice = Head + "\"post\":{\"id\":\"p\",\"media\":[{\"part\":\"a\"},{\"part\":\"a\"}]}}";

        var first = MultipartMedia.Inline(twice, Parts, used);
        var again = MultipartMedia.Inline(twice, Parts, used);

        Assert.Single(first.Split("\"bytes\"", StringSplitOptions.None).Skip(1));
        Assert.False(EventParser.TryParse(first, out _, out _, out var error));
        Assert.Contains("each part can be used once", error);
        Assert.Equal(twice, again);
    }
}
