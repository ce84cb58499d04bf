using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Haven.Policy;
using Spectre.Console;

namespace Haven.Cli.Commands;

/// <summary>
/// <c>haven policy validate|test|backtest</c> (docs/policy.md). Validate and test read files only; backtest replays the
/// signal sets the processor recorded in the store through a candidate policy.
/// </summary>
internal static class PolicyCommands
{
    /// <summary>The <c>policy</c> command and its subcommands.</summary>
    public static Command Create()
    {
        var policy = new Command("policy", "Validate a policy file and try it on signal sets (docs/policy.md).");
        var file = new Argument<string>("FILE") { Description = "Policy JSON file, e.g. policies/default.policy.json." };

        var validate = new Command("validate", "Check a policy file; every error is printed with its line and JSON path. Exit 0 when valid, 2 when not.") { file };
        validate.SetAction((parse, ct) => CliContext.GuardAsync("policy validate", async () =>
        {
            var loaded = await PolicyLoader.LoadFileAsync(parse.GetValue(file)!, ct);
            if (!loaded.TryGetValue(out var engine, out var error))
            {
                return Refused("policy validate", parse.GetValue(file)!, error!);
            }

            var rules = engine.Policy.Rules;
            var shadowed = rules.Count(r => engine.ModeOf(r) == PolicyMode.Shadow);
            Console.Out.WriteLine($"{parse.GetValue(file)}: valid. version {engine.Version}, mode {engine.Policy.Mode.Name()}, {rules.Count} rules ({shadowed} in shadow).");
            return ExitCodes.Ok;
        }));
        policy.Add(validate);

        var signals = new Option<string>("--signals") { Description = "Signal sets as JSON: one object or an array (docs/policy.md).", Required = true };
        var json = new Option<bool>("--json") { Description = "JSON decisions instead of a table." };
        var shadow = new Option<bool>("--shadow") { Description = "Mark every decision shadow, whatever the file says." };
        var test = new Command("test", "Evaluate a policy on hand-written signal sets and print the decisions. Exit 0 with decisions, 1 without, 2 for an invalid policy, 3 for unusable signals.") { file, signals, json, shadow };
        test.SetAction((parse, ct) => CliContext.GuardAsync("policy test", async () =>
        {
            var loaded = await PolicyLoader.LoadFileAsync(parse.GetValue(file)!, ct);
            if (!loaded.TryGetValue(out var engine, out var error))
            {
                return Refused("policy test", parse.GetValue(file)!, error!);
            }

            var signalsPath = parse.GetValue(signals)!;
            if (!File.Exists(signalsPath))
            {
                Console.Error.WriteLine($"haven policy test: {signalsPath}: no such file.");
                return ExitCodes.InputError;
            }

            var parsed = SignalSetFile.Parse(await File.ReadAllTextAsync(signalsPath, ct));
            if (!parsed.TryGetValue(out var sets, out var signalsError))
            {
                Console.Error.WriteLine($"haven policy test: {signalsPath}: {signalsError}");
                return ExitCodes.InputError;
            }

            if (parse.GetValue(shadow))
            {
                engine = engine.AsShadow();
            }

            var decisions = sets.SelectMany(engine.Evaluate).ToList();
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(decisions, CliJson.Options));
            }
            else if (decisions.Count == 0)
            {
                Console.Out.WriteLine($"no rule fired for {sets.Count} signal set(s).");
            }
            else
            {
                var table = new Table().AddColumns("subject", "rule", "mode", "actions", "evidence");
                foreach (var d in decisions)
                {
                    table.AddRow(
                        Markup.Escape($"{(d.SubjectKind == SubjectKind.Account ? "account" : "content")} {d.SubjectId}"),
                        Markup.Escape(d.RuleId),
                        d.Mode.Name(),
                        Markup.Escape(string.Join(", ", d.Actions)),
                        Markup.Escape(string.Join("; ", d.Evidence.Select(e => e.Summary))));
                }

                AnsiConsole.Write(table);
                Console.Out.WriteLine($"policy {engine.Version}: {decisions.Count} decision(s) for {sets.Count} signal set(s).");
            }

            return decisions.Count > 0 ? ExitCodes.Ok : ExitCodes.NoMatch;
        }));
        policy.Add(test);

        var backtestJson = new Option<bool>("--json") { Description = "JSON report instead of tables." };
        var backtest = new Command("backtest", "Replay every recorded signal set through a candidate policy and report what would change against the decision log. Exit 0.") { file, backtestJson };
        backtest.SetAction((parse, ct) => CliContext.GuardAsync("policy backtest", async () =>
        {
            var loaded = await PolicyLoader.LoadFileAsync(parse.GetValue(file)!, ct);
            if (!loaded.TryGetValue(out var engine, out var error))
            {
                return Refused("policy backtest", parse.GetValue(file)!, error!);
            }

            await using var store = await CliContext.OpenStoreAsync(parse, ct);
            if (store is null)
            {
                return ExitCodes.StoreError;
            }

            var report = await PolicyBacktest.RunAsync(store, engine, cancellationToken: ct);
            if (parse.GetValue(backtestJson))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(report, CliJson.Options));
                return ExitCodes.Ok;
            }

            var rules = new Table().AddColumns("rule", "mode", "subjects", "with no decision now");
            rules.Title = new TableTitle($"candidate {Markup.Escape(engine.Version)} over {report.SignalSets:N0} recorded signal sets ({report.SubjectsEvaluated:N0} subjects)");
            foreach (var r in report.Rules)
            {
                rules.AddRow(Markup.Escape(r.RuleId), r.Mode, r.Subjects.ToString("N0", CultureInfo.InvariantCulture), r.NewSubjects.ToString("N0", CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(rules);
            var actions = new Table().AddColumns("action", "subjects now", "with candidate", "change");
            actions.Title = new TableTitle("recorded by " + Markup.Escape(report.RecordedVersions.Count == 0 ? "no policy yet" : string.Join(", ", report.RecordedVersions)));
            foreach (var a in report.Actions.Where(a => a.Now + a.Candidate > 0))
            {
                actions.AddRow(a.Action, a.Now.ToString("N0", CultureInfo.InvariantCulture), a.Candidate.ToString("N0", CultureInfo.InvariantCulture), a.Change.ToString("+#,0;-#,0;0", CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(actions);
            Console.Out.WriteLine($"{report.GainedCount:N0} subjects would gain actions, {report.LostCount:N0} would lose some.");
            if (report.Gained.Count > 0)
            {
                Console.Out.WriteLine("gain, e.g.: " + string.Join(", ", report.Gained));
            }

            if (report.Lost.Count > 0)
            {
                Console.Out.WriteLine("lose, e.g.: " + string.Join(", ", report.Lost));
            }

            if (report.Labels.Count > 0)
            {
                var labels = new Table().AddColumns("rule", "confirmed", "false positives", "false-positive rate", "appeals upheld", "overturned", "overturn rate");
                labels.Title = new TableTitle("what reviewers and appeals said of the recorded decisions");
                foreach (var l in report.Labels)
                {
                    labels.AddRow(Markup.Escape(l.RuleId), Count(l.Confirmed), Count(l.FalsePositives), Rate(l.FalsePositiveRate), Count(l.Upheld), Count(l.Overturned), Rate(l.OverturnRate));
                }

                AnsiConsole.Write(labels);
            }

            return ExitCodes.Ok;
        }));
        policy.Add(backtest);
        return policy;
    }

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Rate(double? rate) => rate is null ? "-" : rate.Value.ToString("P1", CultureInfo.InvariantCulture);

    private static int Refused(string command, string path, PolicyInvalid invalid)
    {
        Console.Error.WriteLine($"haven {command}: {path}: {invalid.Message}");
        foreach (var error in invalid.Errors)
        {
            Console.Error.WriteLine($"  {error}");
        }

        return ExitCodes.Usage;
    }
}
