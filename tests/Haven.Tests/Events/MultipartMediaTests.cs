using Haven.Events;

namespace Haven.Tests.Events;

public sealed class MultipartMediaTests
{
    private static readonly Dictionary<string, byte[]> Parts = new() { ["a"] = [1, 2, 3] };

    [Fact]
    public void A_named_part_becomes_base64_bytes_and_the_line_then_parses()
    {
        var line = "{\"id\":\"e\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"x\",\"post\":{\"id\":\"p\",\"media\":[{\"id\":\"m\",\"part\":\"a\"}]}}";

        var inlined = MultipartMedia.Inline(line, Parts);

        Assert.Contains("\"bytes\":\"AQID\"", inlined, StringComparison.Ordinal);
        Assert.DoesNotContain("\"part\"", inlined, StringComparison.Ordinal);
        Assert.True(EventParser.TryParse(inlined, out _, out _, out var error), error);
        Assert.Equal(inlined, MultipartMedia.Inline(line, Parts));
    }

    [Theory]
    [InlineData("{broken \"part\"")]
    [InlineData("{\"id\":\"e\",\"part\":\"a\"}")]
    [InlineData("{\"id\":\"e\",\"type\":\"follow.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"x\",\"target\":\"y\"}")]
    public void Lines_without_resolvable_parts_are_left_for_the_parser(string line) => Assert.Equal(line, MultipartMedia.Inline(line, Parts));

    [Fact]
    public void An_unresolved_part_is_a_line_error_that_says_so()
    {
        var line = "{\"id\":\"e\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"x\",\"post\":{\"id\":\"p\",\"media\":[{\"part\":\"zzz\"}]}}";
        Assert.False(EventParser.TryParse(MultipartMedia.Inline(line, Parts), out _, out _, out var error));
        Assert.Contains("'zzz' does not name a part", error);
    }
}
