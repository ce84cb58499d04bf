using System.Reflection;
using System.Reflection.Emit;
using System.Text.RegularExpressions;

namespace Haven.Server.Tests;

/// <summary>
/// The engine's folder table in docs/architecture.md, checked against the compiled engine: every namespace
/// <c>Haven.X</c> may use only the namespaces its row's "depends on" column names (and the root namespace <c>Haven</c>).
/// References are read from signatures (base types, interfaces, fields, properties, parameters, return types, generic
/// arguments) and from every method body's IL, so the table and the code cannot drift apart unnoticed.
/// </summary>
public sealed partial class NamespaceDependencyTests
{
    private static readonly Assembly Engine = typeof(Haven.Media.ImageDecoder).Assembly;

    [Fact]
    public void Each_engine_folder_uses_only_what_its_row_in_the_architecture_table_names()
    {
        var rules = EngineRows();
        var used = UsedNamespaces();
        var violations = new List<string>();
        foreach (var (folder, uses) in used.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!rules.TryGetValue(folder, out var allowed))
            {
                violations.Add($"namespace Haven.{folder} has no row `src/Haven/{folder}` in docs/architecture.md");
                continue;
            }

            foreach (var (other, example) in uses.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (other != folder && !allowed.Contains(other))
                {
                    violations.Add($"Haven.{folder} uses Haven.{other} ({example}) but its row names only: {string.Join(", ", allowed.Order(StringComparer.Ordinal))}");
                }
            }
        }

        Assert.True(violations.Count == 0, string.Join('\n', violations));
    }

    [Fact]
    public void The_table_names_no_dependency_that_the_code_does_not_have()
    {
        // A row that names more than the code uses is harmless but stale: keep the table exact.
        var used = UsedNamespaces();
        var stale = new List<string>();
        foreach (var (folder, allowed) in EngineRows())
        {
            foreach (var dependency in allowed)
            {
                if (!used.TryGetValue(folder, out var uses) || !uses.ContainsKey(dependency))
                {
                    stale.Add($"`src/Haven/{folder}` names {dependency}, which Haven.{folder} does not use");
                }
            }
        }

        Assert.True(stale.Count == 0, string.Join('\n', stale));
    }

    [Fact]
    public void The_walker_sees_references_in_method_bodies()
    {
        // A method body that only news up and calls another namespace's type still counts (oracle: a known use).
        var used = UsedNamespaces();
        Assert.Contains("Storage", used["Audit"].Keys);
        Assert.Contains("Kernels", used["Matching"].Keys);
    }

    /// <summary>Rows of the folder table for <c>src/Haven/X</c> (and <c>src/Haven.Kernels/X</c> as Kernels): folder → engine folders it may use.</summary>
    private static Dictionary<string, HashSet<string>> EngineRows()
    {
        var folders = new HashSet<string>(StringComparer.Ordinal);
        var rows = new List<(string Folder, string DependsOn)>();
        foreach (var line in File.ReadLines(Path.Combine(Haven.Testing.TestPaths.RepoRoot, "docs", "architecture.md")))
        {
            if (RowPattern().Match(line) is { Success: true } row)
            {
                folders.Add(row.Groups[1].Value);
                rows.Add((row.Groups[1].Value, row.Groups[2].Value));
            }
        }

        folders.Add("Kernels");
        var rules = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (folder, dependsOn) in rows)
        {
            var names = WordPattern().Matches(dependsOn).Select(m => m.Value).Where(folders.Contains);
            rules[folder] = new HashSet<string>(names, StringComparer.Ordinal);
        }

        return rules;
    }

    /// <summary>For each engine folder namespace (first segment after <c>Haven.</c>): the other engine folders it uses, each with one example.</summary>
    private static Dictionary<string, Dictionary<string, string>> UsedNamespaces()
    {
        var used = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var type in Engine.GetTypes())
        {
            if (Folder(type) is not { } folder)
            {
                continue;
            }

            var uses = used.TryGetValue(folder, out var existing) ? existing : used[folder] = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (referenced, where) in References(type))
            {
                if (Folder(referenced) is { } other && other != folder)
                {
                    uses.TryAdd(other, $"{Name(type)} → {Name(referenced)} in {where}");
                }
            }
        }

        return used;
    }

    /// <summary>The engine folder of a type: <c>Haven.X.…</c> → X, Haven.Kernels.* → Kernels; null for the root namespace and other assemblies.</summary>
    private static string? Folder(Type type)
    {
        var root = type;
        while (root.IsNested)
        {
            root = root.DeclaringType!;
        }

        if (root.Namespace is not { } ns || !ns.StartsWith("Haven.", StringComparison.Ordinal))
        {
            return null;
        }

        if (root.Assembly != Engine)
        {
            return root.Assembly == typeof(Haven.Kernels.Pdq.PdqHash).Assembly ? "Kernels" : null;
        }

        var segment = ns["Haven.".Length..];
        return segment.Split('.')[0];
    }

    private static string Name(Type type) => type.IsGenericType ? type.Name.Split('`')[0] : type.Name;

    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static IEnumerable<(Type Type, string Where)> References(Type type)
    {
        foreach (var t in Expand(type.BaseType))
        {
            yield return (t, "base type");
        }

        foreach (var t in type.GetInterfaces().SelectMany(Expand))
        {
            yield return (t, "interface");
        }

        foreach (var field in type.GetFields(Everything))
        {
            foreach (var t in Expand(field.FieldType))
            {
                yield return (t, "field " + field.Name);
            }
        }

        foreach (var property in type.GetProperties(Everything))
        {
            foreach (var t in Expand(property.PropertyType))
            {
                yield return (t, "property " + property.Name);
            }
        }

        foreach (var method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
        {
            var signature = method.GetParameters().Select(p => p.ParameterType).Concat(method is MethodInfo info ? [info.ReturnType] : []);
            foreach (var t in signature.SelectMany(Expand))
            {
                yield return (t, "signature of " + method.Name);
            }

            foreach (var t in BodyReferences(method).SelectMany(Expand))
            {
                yield return (t, "body of " + method.Name);
            }
        }
    }

    /// <summary>A type and every type inside it: element types and generic arguments.</summary>
    private static IEnumerable<Type> Expand(Type? type)
    {
        if (type is null || type.IsGenericParameter)
        {
            yield break;
        }

        if (type.HasElementType)
        {
            foreach (var t in Expand(type.GetElementType()))
            {
                yield return t;
            }

            yield break;
        }

        yield return type;
        if (type.IsGenericType)
        {
            foreach (var t in type.GetGenericArguments().SelectMany(Expand))
            {
                yield return t;
            }
        }
    }

    /// <summary>Types named by the tokens of a method body's IL (members resolve to their declaring types).</summary>
    private static IEnumerable<Type> BodyReferences(MethodBase method)
    {
        byte[]? il;
        try
        {
            il = method.GetMethodBody()?.GetILAsByteArray();
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException)
        {
            il = null;
        }

        if (il is null)
        {
            yield break;
        }

        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            OpCode op;
            if (il[i] == 0xFE)
            {
                op = TwoByte[il[i + 1]];
                i += 2;
            }
            else
            {
                op = OneByte[il[i]];
                i += 1;
            }

            var size = OperandSize(op, il, i);
            if (op.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
            {
                var token = BitConverter.ToInt32(il, i);
                MemberInfo? member = null;
                try
                {
                    member = method.Module.ResolveMember(token, typeArguments, methodArguments);
                }
                catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException or FileNotFoundException)
                {
                }

                switch (member)
                {
                    case Type t:
                        yield return t;
                        break;
                    case MethodBase m when m.DeclaringType is { } owner:
                        yield return owner;
                        if (m.IsGenericMethod)
                        {
                            foreach (var argument in m.GetGenericArguments())
                            {
                                yield return argument;
                            }
                        }

                        break;
                    case FieldInfo f when f.DeclaringType is { } owner:
                        yield return owner;
                        break;
                }
            }

            i += size;
        }
    }

    private static readonly OpCode[] OneByte = new OpCode[256];
    private static readonly OpCode[] TwoByte = new OpCode[256];

    static NamespaceDependencyTests()
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var op = (OpCode)field.GetValue(null)!;
            var value = (ushort)op.Value;
            if (op.Size == 1)
            {
                OneByte[value] = op;
            }
            else
            {
                TwoByte[value & 0xFF] = op;
            }
        }
    }

    private static int OperandSize(OpCode op, byte[] il, int at) => op.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
        _ => 4,
    };

    [GeneratedRegex(@"^\| `src/Haven/([A-Za-z]+)` \|.*\| ([^|]*) \|\s*$")]
    private static partial Regex RowPattern();

    [GeneratedRegex(@"[A-Za-z]+")]
    private static partial Regex WordPattern();
}
