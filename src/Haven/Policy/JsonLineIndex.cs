using System.Text;
using System.Text.Json;

namespace Haven.Policy;

/// <summary>
/// The 1-based line of every value in a JSON document, by JSON path (<c>$.rules[0].when</c>), and the duplicate
/// properties, which <see cref="JsonDocument"/> accepts silently. Needed because <see cref="JsonElement"/> carries no
/// position, and a policy author fixes a file by line.
/// </summary>
internal sealed class JsonLineIndex
{
    private readonly Dictionary<string, int> _lines;

    private JsonLineIndex(Dictionary<string, int> lines, IReadOnlyList<PolicyError> duplicates)
    {
        _lines = lines;
        Duplicates = duplicates;
    }

    /// <summary>Every property that appears twice in one object, at its second appearance.</summary>
    public IReadOnlyList<PolicyError> Duplicates { get; }

    /// <summary>The line of the value at <paramref name="path"/>, or of its nearest ancestor that has one.</summary>
    public int? LineOf(string path)
    {
        while (true)
        {
            if (_lines.TryGetValue(path, out var line))
            {
                return line;
            }

            var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
            if (cut <= 0)
            {
                return null;
            }

            path = path[..cut];
        }
    }

    /// <summary>A property's path under its object's path: <c>.name</c>, or <c>['odd name']</c> when not an identifier.</summary>
    public static string Child(string parent, string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            ? parent + "." + name
            : parent + "['" + name.Replace("'", "\\'", StringComparison.Ordinal) + "']";

    /// <summary>An array item's path.</summary>
    public static string Item(string parent, int index) => parent + "[" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]";

    /// <summary>Indexes a document; throws <see cref="JsonException"/> (with line and position) when it is malformed.</summary>
    public static JsonLineIndex Build(ReadOnlySpan<byte> utf8, JsonReaderOptions options)
    {
        var lineStarts = new List<long> { 0 };
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'\n')
            {
                lineStarts.Add(i + 1);
            }
        }

        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        var duplicates = new List<PolicyError>();
        var stack = new Stack<Frame>();
        var reader = new Utf8JsonReader(utf8, options);
        while (reader.Read())
        {
            var line = LineAt(lineStarts, reader.TokenStartIndex);
            switch (reader.TokenType)
            {
                case JsonTokenType.Comment:
                    break;
                case JsonTokenType.PropertyName:
                    {
                        var frame = stack.Peek();
                        var name = reader.GetString()!;
                        frame.Property = name;
                        if (!frame.Seen!.Add(name))
                        {
                            duplicates.Add(new PolicyError(Child(frame.Path, name), line, $"duplicate property '{name}'"));
                        }

                        break;
                    }

                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    stack.Pop();
                    AfterValue(stack);
                    break;
                default:
                    {
                        var path = stack.Count == 0 ? "$" : stack.Peek() is { IsArray: true } array ? Item(array.Path, array.Index) : Child(stack.Peek().Path, stack.Peek().Property!);
                        lines.TryAdd(path, line);
                        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                        {
                            var isArray = reader.TokenType == JsonTokenType.StartArray;
                            stack.Push(new Frame(path, isArray) { Seen = isArray ? null : new HashSet<string>(StringComparer.Ordinal) });
                        }
                        else
                        {
                            AfterValue(stack);
                        }

                        break;
                    }
            }
        }

        return new JsonLineIndex(lines, duplicates);
    }

    /// <summary>Removes a UTF-8 byte order mark, which <see cref="Utf8JsonReader"/> refuses.</summary>
    public static ReadOnlySpan<byte> WithoutBom(ReadOnlySpan<byte> utf8) =>
        utf8.StartsWith(Encoding.UTF8.Preamble) ? utf8[Encoding.UTF8.Preamble.Length..] : utf8;

    private static void AfterValue(Stack<Frame> stack)
    {
        if (stack.Count > 0 && stack.Peek().IsArray)
        {
            stack.Peek().Index++;
        }
    }

    private static int LineAt(List<long> lineStarts, long offset)
    {
        var index = lineStarts.BinarySearch(offset);
        return (index >= 0 ? index : ~index - 1) + 1;
    }

    private sealed class Frame(string path, bool isArray)
    {
        public string Path { get; } = path;

        public bool IsArray { get; } = isArray;

        public int Index { get; set; }

        public string? Property { get; set; }

        public HashSet<string>? Seen { get; init; }
    }
}
