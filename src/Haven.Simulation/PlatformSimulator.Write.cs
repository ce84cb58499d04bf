using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Haven.Simulation;

/// <summary>Turning generated events into contract JSON lines (docs/events.md).</summary>
internal sealed partial class PlatformSimulator
{
    private static readonly JsonEncodedText IdName = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText TypeName = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText OccurredAtName = JsonEncodedText.Encode("occurredAt");
    private static readonly JsonEncodedText ActorName = JsonEncodedText.Encode("actor");
    private static readonly JsonEncodedText TargetName = JsonEncodedText.Encode("target");
    private static readonly JsonEncodedText PostName = JsonEncodedText.Encode("post");
    private static readonly JsonEncodedText TextName = JsonEncodedText.Encode("text");
    private static readonly JsonEncodedText HashtagsName = JsonEncodedText.Encode("hashtags");
    private static readonly JsonEncodedText MentionsName = JsonEncodedText.Encode("mentions");
    private static readonly JsonEncodedText MediaName = JsonEncodedText.Encode("media");
    private static readonly JsonEncodedText HashesName = JsonEncodedText.Encode("hashes");
    private static readonly JsonEncodedText PdqName = JsonEncodedText.Encode("pdq");
    private static readonly JsonEncodedText QualityName = JsonEncodedText.Encode("quality");
    private static readonly JsonEncodedText Md5Name = JsonEncodedText.Encode("md5");
    private static readonly JsonEncodedText Sha256Name = JsonEncodedText.Encode("sha256");
    private static readonly JsonEncodedText BytesName = JsonEncodedText.Encode("bytes");
    private static readonly JsonEncodedText ReplyToName = JsonEncodedText.Encode("replyTo");
    private static readonly JsonEncodedText RepostOfName = JsonEncodedText.Encode("repostOf");
    private static readonly JsonEncodedText QuoteOfName = JsonEncodedText.Encode("quoteOf");
    private static readonly JsonEncodedText CommunityName = JsonEncodedText.Encode("community");
    private static readonly JsonEncodedText AccountName = JsonEncodedText.Encode("account");
    private static readonly JsonEncodedText HandleName = JsonEncodedText.Encode("handle");
    private static readonly JsonEncodedText NameName = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText ReportName = JsonEncodedText.Encode("report");
    private static readonly JsonEncodedText SubjectName = JsonEncodedText.Encode("subject");
    private static readonly JsonEncodedText ReasonName = JsonEncodedText.Encode("reason");

    private static readonly string[] HandleWords = ["amber", "birch", "cedar", "delta", "ember", "fable", "grove", "haven", "indigo", "juniper", "kestrel", "linden", "maple", "nova", "olive", "pebble", "quartz", "robin", "sable", "tulip", "umber", "violet", "willow", "yarrow"];

    /// <summary>The account id the events use.</summary>
    internal static string AccountId(int account) => "acct-" + account.ToString(CultureInfo.InvariantCulture);

    /// <summary>The post id the events use.</summary>
    internal static string PostId(int post) => "p-" + post.ToString(CultureInfo.InvariantCulture);

    /// <summary>The community id the events use.</summary>
    internal static string CommunityId(int community) => "c-" + community.ToString(CultureInfo.InvariantCulture);

    /// <summary>Writes events as NDJSON lines with sequential ids, through one reused buffer.</summary>
    private sealed class EventWriter : IDisposable
    {
        private const int FlushAt = 1 << 20;

        private readonly PlatformSimulator _simulator;
        private readonly Stream _stream;
        private readonly ArrayBufferWriter<byte> _buffer = new(FlushAt + (1 << 16));
        private readonly Utf8JsonWriter _json;
        private readonly PlatformRandom _content = new(0);
        private readonly byte[] _hash = new byte[32];
        private long _written;
        private int _nextMedia;

        public EventWriter(PlatformSimulator simulator, Stream stream)
        {
            _simulator = simulator;
            _stream = stream;
            _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = false });
        }

        public void Write(in PendingEvent e)
        {
            _content.Reset(e.Seed);
            var json = _json;
            json.WriteStartObject();
            WriteNumbered(IdName, "evt-", ++_written);
            json.WriteString(TypeName, TypeOf(e.Kind));
            Span<char> time = stackalloc char[24];
            DateTime.UnixEpoch.AddMilliseconds(e.Time).TryFormat(time, out var length, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            json.WriteString(OccurredAtName, time[..length]);
            WriteNumbered(ActorName, "acct-", e.Actor);
            switch (e.Kind)
            {
                case Kind.AccountCreated:
                    json.WriteStartObject(AccountName);
                    json.WriteString(HandleName, HandleWords[_content.Next(HandleWords.Length)] + "_" + HandleWords[_content.Next(HandleWords.Length)] + e.Actor.ToString(CultureInfo.InvariantCulture));
                    json.WriteEndObject();
                    break;
                case Kind.Follow:
                    WriteNumbered(TargetName, "acct-", e.Target);
                    break;
                case Kind.CommunityCreated:
                    json.WriteStartObject(CommunityName);
                    WriteNumbered(IdName, "c-", e.Community);
                    json.WriteString(NameName, e.Community == _simulator._offenderCommunity
                        ? "nightjar-collective"
                        : PlatformText.OrdinaryHashtags[e.Community % PlatformText.OrdinaryHashtags.Count] + "-" + e.Community.ToString(CultureInfo.InvariantCulture));
                    json.WriteEndObject();
                    break;
                case Kind.Report:
                    json.WriteStartObject(ReportName);
                    WriteNumbered(IdName, "r-", e.Post);
                    json.WriteStartObject(SubjectName);
                    var account = (e.Tags & Tags.AccountSubject) != 0;
                    json.WriteString(TypeName, account ? "account" : "post");
                    if (account)
                    {
                        WriteNumbered(IdName, "acct-", e.Target);
                    }
                    else
                    {
                        WriteNumbered(IdName, "p-", e.Ref);
                    }

                    json.WriteEndObject();
                    json.WriteString(ReasonName, (e.Tags & Tags.Spam) != 0 ? "spam" : "cse");
                    json.WriteEndObject();
                    break;
                default:
                    WritePost(e);
                    break;
            }

            json.WriteEndObject();
            json.Flush();
            _buffer.GetSpan(1)[0] = (byte)'\n';
            _buffer.Advance(1);
            json.Reset();
            if (_buffer.WrittenCount >= FlushAt)
            {
                _stream.Write(_buffer.WrittenSpan);
                _buffer.ResetWrittenCount();
            }
        }

        public void Dispose()
        {
            _stream.Write(_buffer.WrittenSpan);
            _buffer.ResetWrittenCount();
            _json.Dispose();
        }

        private void WritePost(in PendingEvent e)
        {
            var json = _json;
            json.WriteStartObject(PostName);
            WriteNumbered(IdName, "p-", e.Post);
            switch (e.Kind)
            {
                case Kind.TextPost or Kind.PhotoPost:
                    json.WriteString(TextName, PlatformText.Everyday(_content));
                    WriteHashtags(e.Tags, ordinary: _content.Chance(0.3) ? 1 + _content.Next(2) : 0);
                    if (e.Target >= 0)
                    {
                        json.WriteStartArray(MentionsName);
                        WriteNumberedValue("acct-", e.Target);
                        json.WriteEndArray();
                    }

                    WriteCommunity(e.Community);
                    if (e.Kind == Kind.PhotoPost)
                    {
                        json.WriteStartArray(MediaName);
                        for (var n = _content.Chance(0.85) ? 1 : _content.Between(2, 4); n > 0; n--)
                        {
                            _content.NextBytes(_hash);
                            WriteMedia(_hash, _content.Between(50, 100), md5Source: null, sha256Source: null);
                        }

                        json.WriteEndArray();
                    }

                    break;
                case Kind.KnownMediaPost:
                    if (PlatformText.KnownMediaText(_content) is { } text)
                    {
                        json.WriteString(TextName, text);
                    }

                    WriteHashtags(e.Tags, ordinary: 0);
                    WriteCommunity(e.Community);
                    json.WriteStartArray(MediaName);
                    WriteKnownMedia(e);
                    json.WriteEndArray();
                    break;
                case Kind.Reply:
                    WriteReaction(ReplyToName, e.Ref, PlatformText.EverydayReply(_content));
                    break;
                case Kind.SolicitingReply:
                    WriteReaction(ReplyToName, e.Ref, PlatformText.SolicitingReply(_content));
                    break;
                case Kind.NetworkReply:
                    WriteReaction(ReplyToName, e.Ref, PlatformText.NetworkReply(_content));
                    json.WriteStartArray(MentionsName);
                    WriteNumberedValue("acct-", e.Target);
                    json.WriteEndArray();
                    break;
                case Kind.Repost:
                    WriteReaction(RepostOfName, e.Ref, text: null);
                    break;
                case Kind.Quote:
                    WriteReaction(QuoteOfName, e.Ref, PlatformText.EverydayReply(_content));
                    break;
                case Kind.NetworkQuote:
                    WriteReaction(QuoteOfName, e.Ref, PlatformText.NetworkReply(_content));
                    break;
                default:
                    throw new InvalidOperationException($"not a post: {e.Kind}");
            }

            json.WriteEndObject();
        }

        private void WriteReaction(JsonEncodedText link, int post, string? text)
        {
            WriteNumbered(link, "p-", post);
            if (text is not null)
            {
                _json.WriteString(TextName, text);
            }
        }

        private void WriteKnownMedia(in PendingEvent e)
        {
            var image = e.Image;
            var exact = (e.Tags & Tags.ExactCopy) != 0;
            if (exact && _simulator._imageBytes[image] is { } bytes)
            {
                _json.WriteStartObject();
                WriteNumbered(IdName, "m-", _nextMedia++);
                _json.WriteBase64String(BytesName, bytes);
                _json.WriteEndObject();
                return;
            }

            _simulator._bankPdq.AsSpan(image * 32, 32).CopyTo(_hash);
            if (!exact)
            {
                // A re-encoded copy: the banked hash with 1–20 distinct bits flipped, and new exact hashes.
                var flips = _content.Between(1, 20);
                Span<byte> flipped = stackalloc byte[32];
                flipped.Clear();
                for (var done = 0; done < flips;)
                {
                    var bit = _content.Next(256);
                    var mask = (byte)(1 << (bit & 7));
                    if ((flipped[bit >> 3] & mask) == 0)
                    {
                        flipped[bit >> 3] |= mask;
                        _hash[bit >> 3] ^= mask;
                        done++;
                    }
                }
            }

            WriteMedia(
                _hash,
                Math.Clamp(_simulator._bankQuality[image] + (exact ? 0 : _content.Between(-5, 5)), 50, 100),
                exact ? _simulator._bankMd5.AsSpan(image * 16, 16).ToArray() : null,
                exact ? _simulator._bankSha256.AsSpan(image * 32, 32).ToArray() : null);
        }

        private void WriteMedia(ReadOnlySpan<byte> pdq, int quality, byte[]? md5Source, byte[]? sha256Source)
        {
            var json = _json;
            json.WriteStartObject();
            WriteNumbered(IdName, "m-", _nextMedia++);
            json.WriteStartObject(HashesName);
            Span<char> hex = stackalloc char[64];
            Convert.TryToHexStringLower(pdq, hex, out _);
            json.WriteString(PdqName, hex);
            json.WriteNumber(QualityName, quality);
            Span<byte> random = stackalloc byte[32];
            if (md5Source is null)
            {
                _content.NextBytes(random[..16]);
            }

            Convert.TryToHexStringLower(md5Source ?? random[..16], hex, out _);
            json.WriteString(Md5Name, hex[..32]);
            if (sha256Source is not null || _content.Chance(0.5))
            {
                if (sha256Source is null)
                {
                    _content.NextBytes(random);
                }

                Convert.TryToHexStringLower(sha256Source ?? random, hex, out _);
                json.WriteString(Sha256Name, hex);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        private void WriteHashtags(Tags tags, int ordinary)
        {
            if (ordinary == 0 && (tags & (Tags.CoOpted | Tags.Watch)) == 0)
            {
                return;
            }

            var json = _json;
            json.WriteStartArray(HashtagsName);
            for (var i = 0; i < ordinary; i++)
            {
                json.WriteStringValue(PlatformText.OrdinaryHashtags[_content.Zipf(PlatformText.OrdinaryHashtags.Count)]);
            }

            if ((tags & Tags.CoOpted) != 0)
            {
                json.WriteStringValue(PlatformText.CoOptedHashtag);
            }

            if ((tags & Tags.Watch) != 0)
            {
                json.WriteStringValue(PlatformText.WatchHashtag);
            }

            json.WriteEndArray();
        }

        private void WriteCommunity(int community)
        {
            if (community >= 0)
            {
                WriteNumbered(CommunityName, "c-", community);
            }
        }

        private void WriteNumbered(JsonEncodedText name, string prefix, long number)
        {
            Span<char> text = stackalloc char[32];
            prefix.CopyTo(text);
            number.TryFormat(text[prefix.Length..], out var digits, default, CultureInfo.InvariantCulture);
            _json.WriteString(name, text[..(prefix.Length + digits)]);
        }

        private void WriteNumberedValue(string prefix, long number)
        {
            Span<char> text = stackalloc char[32];
            prefix.CopyTo(text);
            number.TryFormat(text[prefix.Length..], out var digits, default, CultureInfo.InvariantCulture);
            _json.WriteStringValue(text[..(prefix.Length + digits)]);
        }

        private static string TypeOf(Kind kind) => kind switch
        {
            Kind.AccountCreated => "account.created",
            Kind.CommunityCreated => "community.created",
            Kind.Follow => "follow.created",
            Kind.Report => "report.created",
            _ => "post.created",
        };
    }
}
