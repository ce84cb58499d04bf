using Haven.Events;

namespace Haven.Tests.Events;

public sealed class EventParserTests
{
    public static TheoryData<string> ValidEvents => new()
    {
        """{"id":"e1","type":"account.created","occurredAt":"2026-11-25T10:00:00Z","actor":"a1","account":{"handle":"harbour_fan","displayName":"Harbour"}}""",
        """{"id":"e2","type":"post.created","occurredAt":"2026-11-25T10:00:01.123+01:00","actor":"a1","post":{"id":"p1","text":"lantern club meets tonight","hashtags":["lanternclub"],"mentions":["a2"],"media":[{"id":"m1","url":"https://media.example/m1.jpg"},{"hashes":{"pdq":"00ff"}},{"bytes":"aGVsbG8="}]}}""",
        """{"id":"e3","type":"post.created","occurredAt":"2026-11-25T10:00:02Z","actor":"a2","post":{"id":"p2","repostOf":"p1"}}""",
        """{"id":"e4","type":"post.deleted","occurredAt":"2026-11-25T10:00:03Z","actor":"a1","post":{"id":"p1"}}""",
        """{"id":"e5","type":"follow.created","occurredAt":"2026-11-25T10:00:04Z","actor":"a2","target":"a1"}""",
        """{"id":"e6","type":"follow.deleted","occurredAt":"2026-11-25T10:00:05Z","actor":"a2","target":"a1"}""",
        """{"id":"e7","type":"community.created","occurredAt":"2026-11-25T10:00:06Z","actor":"a1","community":{"id":"c1","name":"Lantern club"}}""",
        """{"id":"e8","type":"report.created","occurredAt":"2026-11-25T10:00:07Z","actor":"a3","report":{"id":"r1","subject":{"type":"post","id":"p1"},"reason":"cse","text":"placeholder"}}""",
    };

    [Theory]
    [MemberData(nameof(ValidEvents))]
    public void EveryTypeOfTheContractParses(string line)
    {
        Assert.True(EventParser.TryParse(line, out var parsed, out var id, out var error), error);
        Assert.Equal(id, parsed!.Id);
        Assert.Equal(line, parsed.Json);
        Assert.Equal(64, parsed.BodySha256.Length);
    }

    [Theory]
    [InlineData("{\"id\":", "malformed JSON")]
    [InlineData("[1,2]", "JSON object")]
    [InlineData("{\"type\":\"post.deleted\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"post\":{\"id\":\"p\"}}", "'id' is required")]
    [InlineData("{\"id\":\"x\",\"type\":\"post.teleported\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\"}", "unknown event type")]
    [InlineData("{\"id\":\"x\",\"type\":\"post.deleted\",\"occurredAt\":\"yesterday\",\"actor\":\"a\",\"post\":{\"id\":\"p\"}}", "RFC 3339")]
    [InlineData("{\"id\":\"x\",\"type\":\"post.deleted\",\"occurredAt\":\"2026-11-25\",\"actor\":\"a\",\"post\":{\"id\":\"p\"}}", "RFC 3339")]
    [InlineData("{\"id\":7,\"type\":\"post.deleted\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"post\":{\"id\":\"p\"}}", "'id' must be a string")]
    [InlineData("{\"id\":\"x\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\"}", "'post' is required")]
    [InlineData("{\"id\":\"x\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"post\":{\"id\":\"p\",\"media\":[{\"url\":\"https://a/b\",\"bytes\":\"aGk=\"}]}}", "exactly one of")]
    [InlineData("{\"id\":\"x\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"post\":{\"id\":\"p\",\"media\":[{\"bytes\":\"not base64!\"}]}}", "base64")]
    [InlineData("{\"id\":\"x\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"post\":{\"id\":\"p\",\"media\":[{\"url\":\"file:///etc/passwd\"}]}}", "http(s) URL")]
    [InlineData("{\"id\":\"x\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"post\":{\"id\":\"p\",\"hashtags\":\"notanarray\"}}", "'hashtags' must be an array")]
    [InlineData("{\"id\":\"x\",\"type\":\"report.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"report\":{\"subject\":{\"type\":\"planet\",\"id\":\"p\"},\"reason\":\"r\"}}", "subject.type")]
    [InlineData("{\"id\":\"x\",\"type\":\"follow.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\"}", "'target' is required")]
    [InlineData("{\"id\":\"x\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"post\":{\"id\":\"p\",\"media\":[{\"hashes\":{\"pdq\":\"ab\",\"quality\":40000}}]}}", "quality must be a whole number 0–100")]
    [InlineData("{\"id\":\"x\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"post\":{\"id\":\"p\",\"media\":[{\"hashes\":{\"md5\":7}}]}}", "hashes.md5 must be a hex string")]
    [InlineData("{\"id\":\"x\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"post\":{\"id\":\"p\",\"hashtags\":[\"a\\u0000b\"]}}", "no NUL")]
    [InlineData("{\"id\":\"x\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\\u0000\",\"post\":{\"id\":\"p\"}}", "must not contain NUL")]
    [InlineData("{\"id\":\"x\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"post\":{\"id\":\"p\",\"text\":\"a\\u0000\"}}", "must not contain NUL")]
    public void BadLinesGetAClearError(string line, string expected)
    {
        Assert.False(EventParser.TryParse(line, out var parsed, out _, out var error));
        Assert.Null(parsed);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void HostileShapesAreRefusedNotCrashedOn()
    {
        var deep = new string('[', 5_000) + new string(']', 5_000);
        Assert.False(EventParser.TryParse(deep, out _, out _, out var error));
        Assert.Contains("malformed JSON", error);

        var longId = $"{{\"id\":\"{new string('x', 10_000)}\",\"type\":\"follow.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"target\":\"b\"}}";
        Assert.False(EventParser.TryParse(longId, out _, out _, out error));
        Assert.Contains("1–256 characters", error);

        var manyMedia = "{\"id\":\"x\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"post\":{\"id\":\"p\",\"media\":[" +
            string.Join(',', Enumerable.Repeat("{\"url\":\"https://a/b\"}", 33)) + "]}}";
        Assert.False(EventParser.TryParse(manyMedia, out _, out _, out error));
        Assert.Contains("at most 32", error);
    }
}
