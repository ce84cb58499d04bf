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
        """{"id":"e9","type":"appeal.created","occurredAt":"2026-11-25T10:00:08Z","actor":"a1","appeal":{"id":"ap1","decisionId":"d-0123","reason":"mistaken","text":"placeholder"}}""",
        """{"id":"e10","type":"appeal.created","occurredAt":"2026-11-25T10:00:09Z","actor":"a1","appeal":{"id":"ap2","actionId":"d-0123:suspend_account"}}""",
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
    [InlineData("{\"id\":\"x\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"post\":{\"id\":\"p\",\"hashtags\":[\"a\\u0000b\"]}}", "invalid_text")]
    [InlineData("{\"id\":\"x\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\\u0000\",\"post\":{\"id\":\"p\"}}", "invalid_text")]
    [InlineData("{\"id\":\"x\",\"type\":\"post.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"post\":{\"id\":\"p\",\"text\":\"a\\u0000\"}}", "invalid_text")]
    [InlineData("{\"id\":\"x\",\"type\":\"appeal.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\"}", "missing_field: 'appeal' is required")]
    [InlineData("{\"id\":\"x\",\"type\":\"appeal.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"appeal\":[]}", "invalid_field: 'appeal' must be a JSON object")]
    [InlineData("{\"id\":\"x\",\"type\":\"appeal.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"appeal\":{\"decisionId\":\"d-1\"}}", "missing_field: 'id' is required")]
    [InlineData("{\"id\":\"x\",\"type\":\"appeal.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"appeal\":{\"id\":\"ap\"}}", "invalid_field: appeal needs exactly one of decisionId")]
    [InlineData("{\"id\":\"x\",\"type\":\"appeal.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"appeal\":{\"id\":\"ap\",\"decisionId\":\"d-1\",\"actionId\":\"d-1:suspend_account\"}}", "invalid_field: appeal needs exactly one of decisionId")]
    [InlineData("{\"id\":\"x\",\"type\":\"appeal.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"appeal\":{\"id\":\"ap\",\"decisionId\":\"\"}}", "invalid_field: 'decisionId' must be 1–256 characters")]
    [InlineData("{\"id\":\"x\",\"type\":\"appeal.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"appeal\":{\"id\":\"ap\",\"actionId\":7}}", "invalid_field: 'actionId' must be a string")]
    [InlineData("{\"id\":\"x\",\"type\":\"appeal.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"appeal\":{\"id\":\"ap\",\"decisionId\":\"d-1\",\"reason\":{}}}", "invalid_field: 'reason' must be a string")]
    [InlineData("{\"id\":\"x\",\"type\":\"appeal.created\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"actor\":\"a\",\"appeal\":{\"id\":\"ap\",\"decisionId\":\"d-1\",\"text\":\"a\\ud800\"}}", "invalid_text")]
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

    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    private static string Post(string extra = "", string occurredAt = "2026-11-25T10:00:00Z", string postExtra = "") =>
        $"{{\"id\":\"x\",\"type\":\"post.created\",\"occurredAt\":\"{occurredAt}\",\"actor\":\"a\"{extra},\"post\":{{\"id\":\"p\"{postExtra}}}}}";

    private static LineError? Refusal(string line, EventLimits? limits = null)
    {
        var ok = EventParser.TryParse(line, limits ?? EventLimits.Default, Now, out var parsed, out _, out var error);
        Assert.Equal(ok, parsed is not null);
        return error;
    }

    public static TheoryData<string> LoneSurrogates => new()
    {
        // Known fields, unknown fields (they are stored), property names, nested and in arrays; high and low halves.
        Post(postExtra: ",\"text\":\"a\\ud800b\""),
        Post(postExtra: ",\"text\":\"\\udc00\""),
        Post(",\"handle\":\"\\ud83d\""),
        Post(",\"extra\":\"\\ud800\""),
        Post(",\"extra\":{\"deeper\":[\"ok\",\"\\udfff\"]}"),
        Post(",\"\\ud800\":1"),
        Post(postExtra: ",\"hashtags\":[\"\\ud800\"]"),
        Post(postExtra: ",\"media\":[{\"url\":\"https://a.example/\\ud800\"}]"),
        Post(",\"extra\":\"\\ude00\\ud83d\""),
    };

    [Theory]
    [MemberData(nameof(LoneSurrogates))]
    public void A_lone_surrogate_escape_anywhere_is_invalid_text_not_an_exception(string line)
    {
        Assert.Equal("invalid_text", Refusal(line)?.Code);
    }

    [Fact]
    public void Whole_surrogate_pairs_and_plain_non_ascii_text_are_accepted()
    {
        Assert.Null(Refusal(Post(",\"extra\":\"\\ud83d\\ude00\"", postExtra: ",\"text\":\"caf\u00e9 \\ud83d\\ude00 \u6f22\"")));
    }

    [Fact]
    public void NUL_in_an_unknown_field_is_refused_too()
    {
        Assert.Equal("invalid_text", Refusal(Post(",\"extra\":{\"k\":\"a\\u0000\"}"))?.Code);
    }

    [Theory]
    [InlineData(",\"actor\":\"b\"")]
    [InlineData(",\"extra\":{\"k\":1,\"k\":2}")]
    public void A_repeated_key_is_refused(string extra)
    {
        var error = Refusal(Post(extra));
        Assert.Equal("duplicate_key", error?.Code);
    }

    [Fact]
    public void The_same_key_in_sibling_and_nested_objects_is_fine()
    {
        Assert.Null(Refusal(Post(",\"x\":{\"id\":1,\"y\":{\"id\":2}},\"z\":{\"id\":3}")));
    }

    [Theory]
    [InlineData("2026-01-01T00:00:00", "invalid_time")]
    [InlineData("2026-01-01 00:00:00Z", "invalid_time")]
    [InlineData("2026-01-01T00:00:00+0100", "invalid_time")]
    [InlineData("2026-01-01T00:00:00Z\\n", "invalid_time")]
    [InlineData("\uFF12026-01-01T00:00:00Z", "invalid_time")]
    [InlineData("9999-12-31T23:59:59Z", "time_out_of_range")]
    [InlineData("0001-01-01T00:00:00Z", "time_out_of_range")]
    [InlineData("1989-12-31T23:59:59Z", "time_out_of_range")]
    [InlineData("2026-12-04T12:00:01Z", "time_out_of_range")]
    [InlineData("2026-12-04T12:00:00Z", null)]
    [InlineData("2026-12-03t12:00:00.123456789z", null)]
    [InlineData("2026-12-03T08:00:00-05:00", null)]
    [InlineData("1990-01-01T00:00:00Z", null)]
    public void Times_need_an_offset_and_must_lie_between_the_floor_and_the_skew(string time, string? code)
    {
        Assert.Equal(code, Refusal(Post(occurredAt: time))?.Code);
    }

    [Fact]
    public void The_skew_and_the_floor_are_configurable()
    {
        var strict = EventLimits.Default with { MaxFutureSkew = TimeSpan.FromMinutes(5), Oldest = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) };
        Assert.Equal("time_out_of_range", Refusal(Post(occurredAt: "2026-12-03T12:06:00Z"), strict)?.Code);
        Assert.Equal("time_out_of_range", Refusal(Post(occurredAt: "2025-12-31T23:59:59Z"), strict)?.Code);
        Assert.Null(Refusal(Post(occurredAt: "2026-12-03T12:04:00Z"), strict));
    }

    [Fact]
    public void Inline_media_over_the_byte_limit_is_refused_at_ingest()
    {
        var limits = EventLimits.Default with { MaxMediaBytes = 1_000 };
        string WithBytes(int n) => Post(postExtra: $",\"media\":[{{\"bytes\":\"{Convert.ToBase64String(new byte[n])}\"}}]");
        Assert.Null(Refusal(WithBytes(1_000), limits));
        var error = Refusal(WithBytes(1_001), limits);
        Assert.Equal("too_many_bytes", error?.Code);
        Assert.Contains("1,001 bytes", error!.Message);
    }
}
