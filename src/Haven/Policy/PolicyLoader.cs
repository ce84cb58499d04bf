using System.Text;
using System.Text.Json;
using Haven.Banks;
using Haven.Storage;
using Haven.Text;

namespace Haven.Policy;

/// <summary>
/// Reads and validates a policy file (docs/policy.md). All or nothing: a file with any problem is refused, and every
/// problem is reported at once with its JSON path and line, so an author fixes the file in one pass.
/// </summary>
internal static class PolicyLoader
{
    /// <summary>Largest policy file accepted; a policy is a few hundred rules at most, so more is a mistake.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    /// <summary>Deepest nesting of <c>all</c>/<c>any</c>/<c>not</c>; deeper is unreadable to a reviewer.</summary>
    public const int MaxConditionDepth = 16;

    // Comments are allowed so a policy can say why a rule exists next to it; trailing commas are not, to stay JSON.
    private static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 };
    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 };

    private static readonly string[] TopFields = ["version", "mode", "description", "customTextCategories", "rules"];
    private static readonly string[] RuleFields = ["id", "description", "when", "actions", "mode"];
    private static readonly string[] ActionFields = ["type", "priority"];
    private static readonly string[] ConditionKinds = ["all", "any", "not", "bankMatch", "text", "counter", "reports"];
    private static readonly string[] BankMatchFields = ["categories", "banks", "maxDistance", "signalTypes"];
    private static readonly string[] TextFields = ["categories", "minWeight"];
    private static readonly string[] CounterFields = ["name", "atLeast"];
    private static readonly string[] ReportsFields = ["atLeast", "reasons"];

    /// <summary>Loads a policy from a file; a missing or oversized file is an error value too.</summary>
    public static async Task<Result<PolicyEngine, PolicyInvalid>> LoadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return Single("$", null, $"{path}: no such file");
        }

        if (info.Length > MaxBytes)
        {
            return Single("$", null, $"{path}: {info.Length:N0} bytes; a policy file is at most {MaxBytes:N0}");
        }

        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        return Load(bytes);
    }

    /// <summary>The shipped default policy (policies/default.policy.json, embedded at build time).</summary>
    public static PolicyEngine LoadBuiltIn()
    {
        using var stream = typeof(PolicyLoader).Assembly.GetManifestResourceStream("Haven.Policy.default.policy.json")
            ?? throw new InvalidOperationException("The default policy is not embedded in this build.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Load(buffer.ToArray()) is { IsSuccess: true } loaded ? loaded.Value : throw new InvalidOperationException("The embedded default policy does not validate.");
    }

    /// <summary>Loads a policy: the file at <paramref name="path"/>, or the built-in default when it is null.</summary>
    public static async Task<Result<PolicyEngine, PolicyInvalid>> LoadFileOrBuiltInAsync(string? path, CancellationToken cancellationToken = default) =>
        path is null ? LoadBuiltIn() : await LoadFileAsync(path, cancellationToken).ConfigureAwait(false);

    /// <summary>Loads a policy from JSON text.</summary>
    public static Result<PolicyEngine, PolicyInvalid> Load(string json) => Load(Encoding.UTF8.GetBytes(json));

    /// <summary>Loads a policy from UTF-8 JSON (a byte order mark is allowed).</summary>
    public static Result<PolicyEngine, PolicyInvalid> Load(ReadOnlySpan<byte> utf8)
    {
        var validated = Validate(utf8);
        return validated.TryGetValue(out var document, out var error) ? new PolicyEngine(document) : error!;
    }

    /// <summary>Validates a policy and returns its model, or every error.</summary>
    public static Result<PolicyDocument, PolicyInvalid> Validate(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxBytes)
        {
            return Single("$", null, $"{utf8.Length:N0} bytes; a policy file is at most {MaxBytes:N0}");
        }

        utf8 = JsonLineIndex.WithoutBom(utf8);
        if (utf8.Trim(" \t\r\n"u8).IsEmpty)
        {
            return Single("$", 1, "the file is empty: a policy is a JSON object with version, mode and rules");
        }

        JsonLineIndex lines;
        JsonDocument document;
        try
        {
            lines = JsonLineIndex.Build(utf8, ReaderOptions);
            document = JsonDocument.Parse(utf8.ToArray(), DocumentOptions);
        }
        catch (JsonException malformed)
        {
            var line = (int)(malformed.LineNumber ?? 0) + 1;
            var position = (malformed.BytePositionInLine ?? 0) + 1;
            // The framework's message repeats the 0-based position; keep only its first sentence.
            var reason = malformed.Message;
            var cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            reason = cut > 0 ? reason[..cut] : reason;
            return Single("$", line, $"malformed JSON at line {line}, position {position}: {reason}");
        }

        using (document)
        {
            var context = new Context(lines);
            foreach (var duplicate in lines.Duplicates)
            {
                context.Errors.Add(duplicate);
            }

            var policy = ReadPolicy(document.RootElement, context);
            if (context.Errors.Count > 0 || policy is null)
            {
                // File order reads best; the line index follows it, and errors without a line go last.
                var ordered = context.Errors.OrderBy(e => e.Line ?? int.MaxValue).ThenBy(e => e.Path, StringComparer.Ordinal).ToList();
                return new PolicyInvalid(ordered);
            }

            return policy;
        }
    }

    private static PolicyInvalid Single(string path, int? line, string message) => new([new PolicyError(path, line, message)]);

    private static PolicyDocument? ReadPolicy(JsonElement root, Context context)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            context.Error("$", "a policy is a JSON object with version, mode and rules");
            return null;
        }

        context.UnknownFields(root, "$", TopFields, "field");
        var version = ReadVersion(root, context);
        var mode = ReadMode(root, "$", required: true, context);
        if (root.TryGetProperty("description", out var description) && description.ValueKind != JsonValueKind.String)
        {
            context.Error("$.description", "description must be a string");
        }

        // Read before the rules: their text conditions are checked against the standard categories and these.
        var custom = ReadStrings(root, "$", "customTextCategories", context, LexiconCategories.IsValid, "your own lexicon categories: 1–64 of a-z 0-9 _");
        context.TextCategories = new HashSet<string>(SignalVocabulary.TextCategories.Concat(custom ?? []), StringComparer.Ordinal);

        var rules = new List<PolicyRule>();
        if (!root.TryGetProperty("rules", out var rulesElement))
        {
            context.Error("$", "missing 'rules': a policy needs at least one rule");
        }
        else if (rulesElement.ValueKind != JsonValueKind.Array)
        {
            context.Error("$.rules", "rules must be an array of rule objects");
        }
        else if (rulesElement.GetArrayLength() == 0)
        {
            context.Error("$.rules", "rules is empty: a policy needs at least one rule");
        }
        else
        {
            var ids = new Dictionary<string, string>(StringComparer.Ordinal);
            var index = 0;
            foreach (var ruleElement in rulesElement.EnumerateArray())
            {
                var path = JsonLineIndex.Item("$.rules", index++);
                if (ReadRule(ruleElement, path, context) is { } rule)
                {
                    if (ids.TryGetValue(rule.Id, out var firstPath))
                    {
                        context.Error(path + ".id", $"duplicate rule id '{rule.Id}' (first used at {firstPath}, line {context.Lines.LineOf(firstPath)})");
                    }
                    else
                    {
                        ids.Add(rule.Id, path);
                        rules.Add(rule);
                    }
                }
            }
        }

        return version is null || mode is null || context.Errors.Count > 0 ? null : new PolicyDocument(version, mode.Value, rules);
    }

    private static string? ReadVersion(JsonElement root, Context context)
    {
        if (!root.TryGetProperty("version", out var element))
        {
            context.Error("$", "missing 'version': every policy is versioned so each decision can name the policy that made it (e.g. \"2026-11-25.1\")");
            return null;
        }

        var version = element.ValueKind == JsonValueKind.String ? element.GetString()! : null;
        if (version is null || !IsName(version, 64, allowUpper: true, allowDots: true))
        {
            context.Error("$.version", "version must be a string of 1–64 of A-Z a-z 0-9 . _ - (e.g. \"2026-11-25.1\")");
            return null;
        }

        return version;
    }

    private static PolicyMode? ReadMode(JsonElement owner, string ownerPath, bool required, Context context)
    {
        if (!owner.TryGetProperty("mode", out var element))
        {
            if (required)
            {
                context.Error(ownerPath, "missing 'mode': say \"enforce\" or \"shadow\" explicitly");
            }

            return null;
        }

        if (element.ValueKind == JsonValueKind.String && PolicyNames.TryParseMode(element.GetString()!, out var mode))
        {
            return mode;
        }

        context.Error(ownerPath + ".mode", $"mode must be \"enforce\" or \"shadow\", not {Show(element)}");
        return null;
    }

    private static PolicyRule? ReadRule(JsonElement element, string path, Context context)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            context.Error(path, "a rule is an object with id, description, when and actions");
            return null;
        }

        var errorsBefore = context.Errors.Count;
        context.UnknownFields(element, path, RuleFields, "rule field");
        string? id = null;
        if (!element.TryGetProperty("id", out var idElement))
        {
            context.Error(path, "missing 'id'");
        }
        else if (idElement.ValueKind != JsonValueKind.String || !IsName(idElement.GetString()!, 64, allowUpper: false, allowDots: true))
        {
            context.Error(path + ".id", "id must be 1–64 of a-z 0-9 . _ -");
        }
        else
        {
            id = idElement.GetString()!;
        }

        // Named in errors below so an author sees which rule is meant without counting array items.
        var named = id is null ? path : $"{path} (rule '{id}')";
        string? description = null;
        if (!element.TryGetProperty("description", out var descriptionElement))
        {
            context.Error(path, $"{Quote(id)}missing 'description': say what the rule is for, reviewers read it");
        }
        else if (descriptionElement.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(descriptionElement.GetString()))
        {
            context.Error(path + ".description", "description must be a non-empty string");
        }
        else
        {
            description = descriptionElement.GetString()!;
        }

        PolicyCondition? when = null;
        if (!element.TryGetProperty("when", out var whenElement))
        {
            context.Error(path, $"{Quote(id)}missing 'when': the condition that makes the rule fire");
        }
        else
        {
            when = ReadCondition(whenElement, path + ".when", 1, context);
        }

        var actions = ReadActions(element, path, id, context);
        var mode = element.TryGetProperty("mode", out _) ? ReadMode(element, path, required: false, context) : null;
        if (when is not null && actions is not null)
        {
            var forbidden = actions.Where(a => PolicySafety.RequiresBankMatch(a.Kind)).Select(a => a.Name).ToList();
            if (forbidden.Count > 0 && PolicySafety.CanHoldWithoutBankMatch(when))
            {
                context.Error(path + ".actions",
                    $"rule '{id ?? named}' can fire without a bank match (on text, counters or reports alone), so it may not {string.Join(", ", forbidden)}: " +
                    "such signals only queue for human review (queue_review, open_case, escalate); require a bankMatch on every path of 'when' or drop those actions");
            }
        }

        return context.Errors.Count > errorsBefore || id is null || description is null || when is null || actions is null
            ? null
            : new PolicyRule(id, description, when, actions, mode, context.Lines.LineOf(path) ?? 0);
    }

    private static string Quote(string? id) => id is null ? string.Empty : $"rule '{id}': ";

    private static List<PolicyAction>? ReadActions(JsonElement rule, string rulePath, string? id, Context context)
    {
        var path = rulePath + ".actions";
        if (!rule.TryGetProperty("actions", out var element))
        {
            context.Error(rulePath, $"{Quote(id)}missing 'actions'");
            return null;
        }

        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
        {
            context.Error(path, $"actions must be a non-empty array of action names or {{\"type\", \"priority\"}} objects (known: {string.Join(", ", PolicyNames.ActionNames)})");
            return null;
        }

        var actions = new List<PolicyAction>();
        var ok = true;
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            var itemPath = JsonLineIndex.Item(path, index++);
            var action = ReadAction(item, itemPath, context);
            if (action is null)
            {
                ok = false;
            }
            else if (actions.Any(a => a.Kind == action.Kind))
            {
                context.Error(itemPath, $"action '{action.Name}' is listed twice");
                ok = false;
            }
            else
            {
                actions.Add(action);
            }
        }

        return ok ? actions : null;
    }

    private static PolicyAction? ReadAction(JsonElement item, string path, Context context)
    {
        string? name;
        var priority = ActionPriority.Normal;
        var typePath = path;
        if (item.ValueKind == JsonValueKind.String)
        {
            name = item.GetString();
        }
        else if (item.ValueKind == JsonValueKind.Object)
        {
            context.UnknownFields(item, path, ActionFields, "action field");
            typePath = path + ".type";
            name = item.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null;
            if (name is null)
            {
                context.Error(path, "an action object needs a string 'type'");
                return null;
            }

            if (item.TryGetProperty("priority", out var priorityElement) &&
                (priorityElement.ValueKind != JsonValueKind.String || !PolicyNames.TryParsePriority(priorityElement.GetString()!, out priority)))
            {
                context.Error(path + ".priority", $"priority must be \"low\", \"normal\", \"high\" or \"urgent\", not {Show(priorityElement)}");
                return null;
            }
        }
        else
        {
            context.Error(path, "an action is a name such as \"queue_review\" or an object {\"type\": ..., \"priority\": ...}");
            return null;
        }

        if (!PolicyNames.TryParseAction(name!, out var kind))
        {
            context.Error(typePath, $"unknown action '{name}' (known: {string.Join(", ", PolicyNames.ActionNames)})");
            return null;
        }

        return new PolicyAction(kind, priority);
    }

    private static PolicyCondition? ReadCondition(JsonElement element, string path, int depth, Context context)
    {
        if (depth > MaxConditionDepth)
        {
            context.Error(path, $"conditions are nested deeper than {MaxConditionDepth}");
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            context.Error(path, $"a condition is an object with one of: {string.Join(", ", ConditionKinds)}");
            return null;
        }

        var properties = element.EnumerateObject().ToList();
        if (properties.Count != 1)
        {
            context.Error(path, properties.Count == 0
                ? $"empty condition: give one of {string.Join(", ", ConditionKinds)}"
                : $"a condition has exactly one kind, found {string.Join(", ", properties.Select(p => $"'{p.Name}'"))}: combine them with 'all' or 'any'");
            return null;
        }

        var kind = properties[0].Name;
        var body = properties[0].Value;
        var bodyPath = JsonLineIndex.Child(path, kind);
        switch (kind)
        {
            case "all" or "any":
                {
                    if (body.ValueKind != JsonValueKind.Array || body.GetArrayLength() == 0)
                    {
                        context.Error(bodyPath, $"'{kind}' takes a non-empty array of conditions");
                        return null;
                    }

                    var children = new List<PolicyCondition>();
                    var index = 0;
                    foreach (var child in body.EnumerateArray())
                    {
                        if (ReadCondition(child, JsonLineIndex.Item(bodyPath, index++), depth + 1, context) is { } condition)
                        {
                            children.Add(condition);
                        }
                    }

                    return children.Count != index ? null : kind == "all" ? new AllCondition(path, children) : new AnyCondition(path, children);
                }

            case "not":
                return ReadCondition(body, bodyPath, depth + 1, context) is { } inner ? new NotCondition(path, inner) : null;
            case "bankMatch":
                return ReadBankMatch(body, path, bodyPath, context);
            case "text":
                return ReadText(body, path, bodyPath, context);
            case "counter":
                return ReadCounter(body, path, bodyPath, context);
            case "reports":
                return ReadReports(body, path, bodyPath, context);
            default:
                context.Error(bodyPath, $"unknown condition kind '{kind}' (known: {string.Join(", ", ConditionKinds)})");
                return null;
        }
    }

    private static BankMatchCondition? ReadBankMatch(JsonElement body, string path, string bodyPath, Context context)
    {
        if (!context.ExpectObject(body, bodyPath, "bankMatch", BankMatchFields))
        {
            return null;
        }

        var before = context.Errors.Count;
        var categories = ReadStrings(body, bodyPath, "categories", context, static s => s.Length <= 64, "1–64 characters", UnknownBankClass);
        var banks = ReadStrings(body, bodyPath, "banks", context, static s => s.Length <= 64, "bank names");
        int? maxDistance = null;
        if (body.TryGetProperty("maxDistance", out var distance))
        {
            if (distance.ValueKind == JsonValueKind.Number && distance.TryGetInt32(out var value) && value is >= 0 and <= 63)
            {
                maxDistance = value;
            }
            else
            {
                context.Error(bodyPath + ".maxDistance", $"maxDistance must be an integer from 0 to 63 (PDQ bits that may differ), not {Show(distance)}");
            }
        }

        var typeNames = ReadStrings(body, bodyPath, "signalTypes", context, static _ => true, "pdq, md5 or sha256", UnknownSignalType);
        var types = typeNames?.Select(n => SignalTypes.TryParse(n, out var t) ? t : default).ToHashSet();
        return context.Errors.Count > before ? null : new BankMatchCondition(path, categories, banks, maxDistance, types);
    }

    private static TextCondition? ReadText(JsonElement body, string path, string bodyPath, Context context)
    {
        if (!context.ExpectObject(body, bodyPath, "text", TextFields))
        {
            return null;
        }

        var before = context.Errors.Count;
        var categories = ReadStrings(body, bodyPath, "categories", context, LexiconCategories.IsValid, "lexicon categories: 1–64 of a-z 0-9 _",
            name => context.TextCategories.Contains(name) ? null :
                $"unknown text category '{name}': {SignalVocabulary.Suggest(name, context.TextCategories)} " +
                "(a category of your own lexicon must be declared in the policy's customTextCategories)");
        var minWeight = 1.0;
        if (body.TryGetProperty("minWeight", out var weight) &&
            (weight.ValueKind != JsonValueKind.Number || !weight.TryGetDouble(out minWeight) || !double.IsFinite(minWeight) || minWeight <= 0))
        {
            context.Error(bodyPath + ".minWeight", $"minWeight must be a number greater than 0, not {Show(weight)}");
        }

        return context.Errors.Count > before ? null : new TextCondition(path, categories, minWeight);
    }

    private static CounterCondition? ReadCounter(JsonElement body, string path, string bodyPath, Context context)
    {
        if (!context.ExpectObject(body, bodyPath, "counter", CounterFields))
        {
            return null;
        }

        var before = context.Errors.Count;
        string? name = null;
        if (!body.TryGetProperty("name", out var nameElement))
        {
            context.Error(bodyPath, "a counter needs a 'name'");
        }
        else if (nameElement.ValueKind != JsonValueKind.String || !IsName(nameElement.GetString()!, 128, allowUpper: false, allowDots: false))
        {
            context.Error(bodyPath + ".name", "a counter name is 1–128 of a-z 0-9 _ -");
        }
        else if (!SignalVocabulary.IsCounter(nameElement.GetString()!))
        {
            // The engine reads an absent counter as 0, so a name no stage emits would make the rule never fire.
            var unknown = nameElement.GetString()!;
            context.Error(bodyPath + ".name", $"unknown counter '{unknown}': {SignalVocabulary.Suggest(unknown, SignalVocabulary.Counters)} (no stage of the engine computes it, so the rule would never fire)");
        }
        else
        {
            name = nameElement.GetString();
        }

        var atLeast = ReadAtLeast(body, bodyPath, required: true, context);
        return context.Errors.Count > before || name is null || atLeast is null ? null : new CounterCondition(path, name, atLeast.Value);
    }

    private static ReportsCondition? ReadReports(JsonElement body, string path, string bodyPath, Context context)
    {
        if (!context.ExpectObject(body, bodyPath, "reports", ReportsFields))
        {
            return null;
        }

        var before = context.Errors.Count;
        var atLeast = body.TryGetProperty("atLeast", out _) ? ReadAtLeast(body, bodyPath, required: true, context) : 1;
        var reasons = ReadStrings(body, bodyPath, "reasons", context, static s => IsName(s, 64, allowUpper: false, allowDots: false), "1–64 of a-z 0-9 _ -");
        return context.Errors.Count > before || atLeast is null ? null : new ReportsCondition(path, atLeast.Value, reasons);
    }

    private static long? ReadAtLeast(JsonElement body, string bodyPath, bool required, Context context)
    {
        if (!body.TryGetProperty("atLeast", out var element))
        {
            if (required)
            {
                context.Error(bodyPath, "missing 'atLeast'");
            }

            return null;
        }

        // Zero would make the leaf always true, which silently turns a rule into "fire on everything".
        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var value) && value >= 1)
        {
            return value;
        }

        context.Error(bodyPath + ".atLeast", $"atLeast must be an integer of at least 1, not {Show(element)}");
        return null;
    }

    // A match must equal the category exactly, and the classification's classes are a closed set: a1 or A3 matches nothing.
    private static string? UnknownBankClass(string category) =>
        !SignalVocabulary.LooksLikeBankClass(category) || SignalVocabulary.BankClasses.Contains(category) ? null :
        $"unknown classification class '{category}': {SignalVocabulary.Suggest(category, SignalVocabulary.BankClasses)} " +
        $"(categories of the form letter-digit are classes of the industry scheme: {string.Join(", ", SignalVocabulary.BankClasses)})";

    private static string? UnknownSignalType(string name) =>
        SignalVocabulary.SignalTypeNames.Contains(name) ? null : $"unknown signal type '{name}': {SignalVocabulary.Suggest(name, SignalVocabulary.SignalTypeNames)}";

    /// <param name="unknown">When given, checks a well-formed value against a vocabulary: null when known, else the error.</param>
    private static HashSet<string>? ReadStrings(JsonElement body, string bodyPath, string field, Context context, Func<string, bool> isValid, string what, Func<string, string?>? unknown = null)
    {
        if (!body.TryGetProperty(field, out var element))
        {
            return null;
        }

        var path = JsonLineIndex.Child(bodyPath, field);
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
        {
            context.Error(path, $"{field} must be a non-empty array of strings ({what}); leave it out to match any");
            return null;
        }

        var values = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            var itemPath = JsonLineIndex.Item(path, index++);
            if (item.ValueKind != JsonValueKind.String || item.GetString() is not { Length: > 0 } value || !isValid(value))
            {
                context.Error(itemPath, $"{Show(item)} is not valid in {field} ({what})");
            }
            else if (unknown?.Invoke(value) is { } problem)
            {
                context.Error(itemPath, problem);
            }
            else
            {
                values.Add(value);
            }
        }

        return values;
    }

    private static bool IsName(string value, int maxLength, bool allowUpper, bool allowDots) =>
        value.Length > 0 && value.Length <= maxLength &&
        value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-' || (allowDots && c == '.') || (allowUpper && char.IsAsciiLetterUpper(c)));

    private static string Show(JsonElement element)
    {
        var text = element.GetRawText();
        return text.Length <= 40 ? text : text[..37] + "...";
    }

    private sealed class Context(JsonLineIndex lines)
    {
        public JsonLineIndex Lines { get; } = lines;

        public List<PolicyError> Errors { get; } = [];

        /// <summary>Text categories a condition may name: the standard ones and the policy's <c>customTextCategories</c>.</summary>
        public IReadOnlySet<string> TextCategories { get; set; } = new HashSet<string>(SignalVocabulary.TextCategories, StringComparer.Ordinal);

        public void Error(string path, string message) => Errors.Add(new PolicyError(path, Lines.LineOf(path), message));

        public void UnknownFields(JsonElement element, string path, string[] known, string what)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (Array.IndexOf(known, property.Name) < 0)
                {
                    Error(JsonLineIndex.Child(path, property.Name), $"unknown {what} '{property.Name}' (known: {string.Join(", ", known)})");
                }
            }
        }

        public bool ExpectObject(JsonElement body, string bodyPath, string kind, string[] fields)
        {
            if (body.ValueKind != JsonValueKind.Object)
            {
                Error(bodyPath, $"'{kind}' takes an object with fields {string.Join(", ", fields)} (all optional unless documented)");
                return false;
            }

            var before = Errors.Count;
            UnknownFields(body, bodyPath, fields, kind + " field");
            return Errors.Count == before;
        }
    }
}
