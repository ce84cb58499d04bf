using Haven.Banks;
using Haven.Banks.Import;
using Haven.Events;
using Haven.Kernels.Pdq;
using Haven.Kernels.Text;
using Haven.Media;
using Haven.Simulation;
using Haven.Text;

namespace Haven.Tests.Simulation;

public sealed class PlatformSimulatorTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    private static readonly string[] ReplyCategories =
        [LexiconCategories.Sexualising, LexiconCategories.AgeReference, LexiconCategories.TradeRequest, LexiconCategories.Solicitation, LexiconCategories.OffplatformContact];

    [Fact]
    public void The_same_seed_gives_the_same_bytes_and_another_seed_does_not()
    {
        var again = Temp();
        var other = Temp();
        try
        {
            PlatformSimulator.Generate(PlatformFixture.Options, again);
            foreach (var file in new[] { PlatformSimulator.EventsFile, PlatformSimulator.BankFile, PlatformSimulator.LexiconFileName, PlatformSimulator.TruthFile })
            {
                Assert.True(File.ReadAllBytes(Path.Combine(platform.Folder, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(again, file))), file);
            }

            PlatformSimulator.Generate(PlatformFixture.Options with { Seed = 8 }, other);
            Assert.False(File.ReadAllBytes(Path.Combine(platform.Folder, PlatformSimulator.EventsFile)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(other, PlatformSimulator.EventsFile))));
            Assert.NotEqual(File.ReadAllText(Path.Combine(platform.Folder, PlatformSimulator.BankFile)), File.ReadAllText(Path.Combine(other, PlatformSimulator.BankFile)));
        }
        finally
        {
            Directory.Delete(again, true);
            Directory.Delete(other, true);
        }
    }

    [Fact]
    public void Every_line_parses_ids_are_unique_times_ordered_and_references_point_back()
    {
        Assert.All(platform.Errors, e => Assert.Null(e));
        var events = platform.Events;
        Assert.Equal(platform.Lines.Length, events.Count);
        Assert.Equal(events.Count, events.Select(e => e.Id).Distinct(StringComparer.Ordinal).Count());
        for (var i = 1; i < events.Count; i++)
        {
            Assert.True(events[i - 1].OccurredAt <= events[i].OccurredAt, $"line {i + 1} is earlier than line {i}");
        }

        var accounts = new HashSet<string>(StringComparer.Ordinal);
        var posts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (e.Type == "account.created")
            {
                Assert.True(accounts.Add(e.Actor));
                continue;
            }

            Assert.Contains(e.Actor, accounts);
            if (e.Target is not null)
            {
                Assert.Contains(e.Target, accounts);
            }

            foreach (var referenced in new[] { e.ReplyTo, e.RepostOf, e.QuoteOf })
            {
                if (referenced is not null)
                {
                    Assert.Contains(referenced, posts);
                }
            }

            if (e.Type == "post.created")
            {
                Assert.True(posts.Add(e.PostId!), e.PostId);
            }
        }

        Assert.Equal(PlatformFixture.Options.Accounts, accounts.Count);
    }

    [Fact]
    public void The_truth_counts_what_the_file_holds()
    {
        var byType = platform.Events.GroupBy(e => e.Type).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
        foreach (var (type, count) in platform.Truth.EventsByType)
        {
            Assert.Equal(count, byType.GetValueOrDefault(type));
        }

        Assert.Equal(platform.Events.Count, platform.Truth.Counts.Events);
        Assert.Equal(platform.Summary.Counts, platform.Truth.Counts);
        Assert.Equal(platform.Events.Count(e => e.ReplyTo is not null), platform.Truth.Counts.Replies);
        Assert.Equal(platform.Events.Count(e => e.RepostOf is not null), platform.Truth.Counts.Reposts);
        Assert.Equal(platform.Events.Count(e => e.QuoteOf is not null), platform.Truth.Counts.Quotes);
        Assert.Equal(PlatformFixture.Options.Network, platform.Truth.Offenders.Count);
        Assert.Equal(PlatformFixture.Options.Seed, platform.Truth.Parameters.Seed);
        Assert.Equal(
            new[] { 5, 25, 50, 20 },
            new[] { OffenderRole.Creator, OffenderRole.Distributor, OffenderRole.Amplifier, OffenderRole.Solicitor }.Select(r => platform.Truth.AccountsWithRole(r).Count));
        Assert.Equal(OffenderRole.Creator, platform.Offenders[platform.Truth.Seeds.Creator]);
        Assert.Equal(10, platform.Truth.Seeds.Mixed.Distinct().Count());
        Assert.All(platform.Truth.Seeds.Mixed, s => Assert.True(platform.IsOffender(s)));
    }

    [Fact]
    public async Task The_bank_imports_and_every_known_image_is_first_posted_by_its_creator()
    {
        var bank = await ReadBankAsync();
        Assert.Equal(platform.Truth.KnownImages.Banked * 3, bank.Count);
        var pdqs = bank.Where(e => e.SignalType == SignalType.Pdq).ToList();
        Assert.All(pdqs, e => Assert.InRange(e.Quality!.Value, 50, 100));
        var known = pdqs.Select(e => PdqHash.Parse(e.Value)).ToArray();
        var md5 = bank.Where(e => e.SignalType == SignalType.Md5).Select((e, i) => (e.Value, i)).ToDictionary(x => x.Value, x => x.i, StringComparer.Ordinal);

        var firstPoster = new Dictionary<int, string>();
        var knownMediaPosts = new HashSet<string>(StringComparer.Ordinal);
        var posters = new HashSet<string>(StringComparer.Ordinal);
        var distances = new List<int>();
        foreach (var e in platform.Events.Where(e => e.Media.Count > 0))
        {
            foreach (var m in e.Media)
            {
                int image;
                if (m.Pdq is null)
                {
                    image = md5.GetValueOrDefault(m.Md5!, -1);
                }
                else
                {
                    var pdq = PdqHash.Parse(m.Pdq);
                    var nearest = Enumerable.Range(0, known.Length).MinBy(i => PdqHash.Distance(pdq, known[i]));
                    var distance = PdqHash.Distance(pdq, known[nearest]);
                    image = distance <= 31 ? nearest : -1;
                    if (image >= 0)
                    {
                        distances.Add(distance);
                    }
                }

                if (image >= 0)
                {
                    firstPoster.TryAdd(image, e.Actor);
                    knownMediaPosts.Add(e.PostId!);
                    posters.Add(e.Actor);
                }
            }
        }

        Assert.Equal(platform.Truth.KnownImages.Posted, firstPoster.Count);
        Assert.InRange(distances.Max(), 1, 20);
        Assert.Contains(0, distances);

        // Creators first-post, distributors post, amplifiers repost; no ordinary user touches known media.
        var firstPosters = firstPoster.Values.ToHashSet(StringComparer.Ordinal);
        Assert.Subset(firstPosters, platform.Truth.AccountsWithRole(OffenderRole.Creator).ToHashSet());
        Assert.All(firstPosters, a => Assert.Equal(OffenderRole.Creator, platform.Offenders[a]));
        Assert.Subset(posters, platform.Truth.AccountsWithRole(OffenderRole.Distributor).ToHashSet());
        Assert.All(posters, a => Assert.True(platform.IsOffender(a)));

        var amplifiers = platform.Events.Where(e => (e.RepostOf ?? e.QuoteOf) is { } of && knownMediaPosts.Contains(of)).Select(e => e.Actor).ToHashSet(StringComparer.Ordinal);
        Assert.Subset(amplifiers, platform.Truth.AccountsWithRole(OffenderRole.Amplifier).ToHashSet());
        Assert.All(amplifiers, a => Assert.True(platform.IsOffender(a)));

        var truthByAccount = platform.Truth.Offenders.ToDictionary(o => o.Account, StringComparer.Ordinal);
        Assert.Equal(truthByAccount.Values.Sum(o => o.FirstPosts), platform.Truth.KnownImages.Posted);
        Assert.Equal(truthByAccount.Values.Sum(o => o.KnownMediaPosts), platform.Truth.Counts.KnownMediaPosts);
        Assert.Equal(knownMediaPosts.Count, platform.Truth.Counts.KnownMediaPosts);
    }

    [Fact]
    public void Embedded_images_decode_and_hash_to_their_bank_entries()
    {
        var bank = File.ReadAllLines(Path.Combine(platform.Folder, PlatformSimulator.BankFile));
        var embedded = platform.Events.SelectMany(e => e.Media).Where(m => m.Bytes is not null).ToList();
        Assert.NotEmpty(embedded);
        Assert.Equal(platform.Truth.KnownImages.Embedded, embedded.Select(m => m.Md5).Distinct().Count());
        var hasher = new MediaHasher();
        foreach (var media in embedded)
        {
            var signals = hasher.Hash(media.Bytes);
            Assert.True(signals.PdqUsable(50));
            Assert.Contains(bank, l => l.StartsWith(signals.Pdq!.Value + ",pdq," + signals.Quality + ",", StringComparison.Ordinal));
            Assert.Contains(bank, l => l.StartsWith(signals.Exact.Md5 + ",md5,", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Solicitors_reply_with_lexicon_words_on_many_ordinary_users_photos_and_ordinary_text_is_clean()
    {
        var matcher = await LoadLexiconAsync();
        var posts = platform.Events.Where(e => e.PostId is not null).ToDictionary(e => e.PostId!, StringComparer.Ordinal);
        var hits = new List<LexiconHit>();
        var solicitors = new HashSet<string>(StringComparer.Ordinal);
        var owners = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in platform.Events.Where(e => e.ReplyTo is not null && e.Text is not null))
        {
            var parent = posts[e.ReplyTo!];
            hits.Clear();
            matcher.Scan(e.Text!, hits);
            if (!platform.IsOffender(e.Actor))
            {
                Assert.Empty(hits);
                continue;
            }

            if (parent.Media.Count > 0 && !platform.IsOffender(parent.Actor) && hits.Any(h => ReplyCategories.Contains(h.Category)))
            {
                solicitors.Add(e.Actor);
                owners.Add(parent.Actor);
            }
        }

        Assert.Subset(solicitors, platform.Truth.AccountsWithRole(OffenderRole.Solicitor).ToHashSet());
        Assert.All(solicitors, s => Assert.Equal(OffenderRole.Solicitor, platform.Offenders[s]));
        Assert.True(owners.Count >= 50, $"{owners.Count} distinct photo owners");

        foreach (var e in platform.Events.Where(e => e.Text is not null && !platform.IsOffender(e.Actor)))
        {
            hits.Clear();
            matcher.Scan(e.Text!, hits);
            Assert.Empty(hits);
        }
    }

    [Fact]
    public async Task Every_obfuscated_spelling_still_matches_its_lexicon_entry()
    {
        var matcher = await LoadLexiconAsync();
        var random = new PlatformRandom(99);
        var hits = new List<LexiconHit>();
        foreach (var (pattern, category, _) in PlatformText.Lexicon.Where(e => !e.Pattern.StartsWith('#')))
        {
            for (var i = 0; i < 200; i++)
            {
                var written = PlatformText.Obfuscate(pattern, random);
                hits.Clear();
                matcher.Scan("so " + written + " now", hits);
                Assert.True(hits.Any(h => h.Category == category), $"'{written}' does not match '{pattern}'");
            }
        }
    }

    [Fact]
    public void The_follow_graph_is_heavy_tailed()
    {
        var follows = platform.Events.Where(e => e.Type == "follow.created").ToList();
        var inDegree = follows.GroupBy(e => e.Target!).Select(g => g.Count()).OrderBy(d => d).ToArray();
        var outDegree = follows.Where(e => !platform.IsOffender(e.Actor)).GroupBy(e => e.Actor).Select(g => g.Count()).OrderBy(d => d).ToArray();
        var medianIn = inDegree[inDegree.Length / 2];
        Assert.True(inDegree[^1] >= 20 * medianIn, $"max in-degree {inDegree[^1]}, median {medianIn}");
        Assert.True(outDegree[^1] >= 10 * outDegree[outDegree.Length / 2], $"max out-degree {outDegree[^1]}, median {outDegree[outDegree.Length / 2]}");
    }

    [Fact]
    public void Camouflage_and_unwitting_edges_come_at_the_configured_rates()
    {
        var folder = Temp();
        try
        {
            var options = PlatformFixture.Options with { Camouflage = 0.4, Unwitting = 0.05, Images = 0 };
            PlatformSimulator.Generate(options, folder);
            var truth = GroundTruth.Load(Path.Combine(folder, PlatformSimulator.TruthFile));
            var offenders = truth.OffenderAccounts();
            var follows = File.ReadLines(Path.Combine(folder, PlatformSimulator.EventsFile))
                .Where(l => l.Contains("\"follow.created\"", StringComparison.Ordinal))
                .Select(l => EventParser.TryParse(l, out var e, out _, out _) ? SimEvent.From(e!) : throw new InvalidOperationException(l))
                .ToList();
            var fromOffenders = follows.Where(f => offenders.Contains(f.Actor)).ToList();
            var fromOrdinary = follows.Where(f => !offenders.Contains(f.Actor)).ToList();
            var camouflage = (double)fromOffenders.Count(f => !offenders.Contains(f.Target!)) / fromOffenders.Count;
            var unwitting = (double)fromOrdinary.Count(f => offenders.Contains(f.Target!)) / fromOrdinary.Count;
            Assert.InRange(camouflage, 0.35, 0.45);
            Assert.InRange(unwitting, 0.035, 0.065);

            // And in the shared platform: offenders never follow only each other, ordinary users sometimes follow them.
            var shared = platform.Events.Where(e => e.Type == "follow.created").ToList();
            Assert.Contains(shared, f => platform.IsOffender(f.Actor) && !platform.IsOffender(f.Target!));
            Assert.Contains(shared, f => !platform.IsOffender(f.Actor) && platform.IsOffender(f.Target!));
            var author = platform.Events.Where(e => e.PostId is not null).ToDictionary(e => e.PostId!, e => e.Actor, StringComparer.Ordinal);
            Assert.Contains(platform.Events, e => e.RepostOf is not null && !platform.IsOffender(e.Actor) && platform.IsOffender(author[e.RepostOf]));
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Theory]
    [InlineData(3, 0.9)]
    [InlineData(2, 1.0)]
    public void Every_offender_leaves_the_evidence_of_its_role_even_in_a_short_heavily_camouflaged_period(int days, double camouflage)
    {
        var folder = Temp();
        try
        {
            PlatformSimulator.Generate(PlatformFixture.Options with { Days = days, Camouflage = camouflage, Images = 0 }, folder);
            var truth = GroundTruth.Load(Path.Combine(folder, PlatformSimulator.TruthFile));
            Assert.All(truth.Offenders, o => Assert.True(
                o.Role switch
                {
                    OffenderRole.Creator => o.FirstPosts,
                    OffenderRole.Distributor => o.KnownMediaPosts,
                    OffenderRole.Amplifier => o.KnownReposts,
                    _ => o.SolicitingReplies,
                } > 0,
                $"{o.Account} ({o.Role}) left no evidence"));
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void Offenders_take_over_the_co_opted_hashtag_in_the_second_half()
    {
        var tag = platform.Truth.Hashtags.CoOpted;
        var from = platform.Truth.Hashtags.CoOptedFrom;
        var tagged = platform.Events.Where(e => e.Hashtags.Contains(tag)).ToList();
        double Share(IEnumerable<SimEvent> events)
        {
            var list = events.ToList();
            return list.Count == 0 ? 0 : (double)list.Count(e => platform.IsOffender(e.Actor)) / list.Count;
        }

        Assert.Contains(tagged, e => e.OccurredAt < from && !platform.IsOffender(e.Actor));
        Assert.Equal(0, Share(tagged.Where(e => e.OccurredAt < from)));
        Assert.True(Share(tagged.Where(e => e.OccurredAt >= from)) > 0.5);
        Assert.Equal(platform.Truth.Hashtags.OffenderUses, tagged.Count(e => platform.IsOffender(e.Actor)));
        Assert.Equal(platform.Truth.Hashtags.OrdinaryUsesBefore + platform.Truth.Hashtags.OrdinaryUsesAfter, tagged.Count(e => !platform.IsOffender(e.Actor)));
        Assert.Contains(platform.Events, e => e.Hashtags.Contains(platform.Truth.Hashtags.Watch));
        Assert.Single(platform.Truth.Communities.Offender);
    }

    [Fact]
    public void Users_report_offender_content()
    {
        var postAuthor = platform.Events.Where(e => e.PostId is not null).ToDictionary(e => e.PostId!, e => e.Actor, StringComparer.Ordinal);
        var reports = platform.Events.Where(e => e.Type == "report.created").ToList();
        Assert.NotEmpty(reports);
        Assert.Contains(reports, r => postAuthor.TryGetValue(r.ReportSubject!, out var author) ? platform.IsOffender(author) : platform.IsOffender(r.ReportSubject!));
        Assert.All(reports, r => Assert.False(platform.IsOffender(r.Actor)));
    }

    [Fact]
    public async Task The_lexicon_loads_with_every_standard_category()
    {
        using var reader = new StreamReader(Path.Combine(platform.Folder, PlatformSimulator.LexiconFileName));
        var (entries, errors) = await LexiconFile.ReadAsync(reader);
        Assert.Empty(errors);
        Assert.Equal(PlatformText.Lexicon.Count, entries.Count);
        Assert.Equal(LexiconCategories.Standard.Order(), entries.Select(e => e.Category).Distinct().Order());
        Assert.Contains(entries, e => e.Pattern == "#" + platform.Truth.Hashtags.Watch);
    }

    [Fact]
    public void Bad_options_are_refused_and_the_truth_reader_refuses_other_files()
    {
        Assert.NotNull((PlatformFixture.Options with { Accounts = 10 }).Validate());
        Assert.NotNull((PlatformFixture.Options with { Network = 1_000 }).Validate());
        Assert.NotNull((PlatformFixture.Options with { Days = 1 }).Validate());
        Assert.NotNull((PlatformFixture.Options with { Camouflage = 1.5 }).Validate());
        Assert.NotNull((PlatformFixture.Options with { Unwitting = double.NaN }).Validate());
        Assert.Null(new PlatformOptions().Validate());
        Assert.Throws<ArgumentException>(() => PlatformSimulator.Generate(PlatformFixture.Options with { Images = -1 }, Temp()));
        Assert.Throws<InvalidDataException>(() => GroundTruth.Load(Path.Combine(platform.Folder, PlatformSimulator.LexiconFileName)));
    }

    private async Task<List<NewBankEntry>> ReadBankAsync()
    {
        using var reader = new StreamReader(Path.Combine(platform.Folder, PlatformSimulator.BankFile));
        var entries = new List<NewBankEntry>();
        await foreach (var line in new HavenCsvParser(new ImportOptions { Format = ImportFormat.Csv }).ParseAsync(reader, CancellationToken.None))
        {
            Assert.True(line.Kind == ParsedLineKind.Entry, $"line {line.Line}: {line.Error}");
            entries.Add(line.Entry);
        }

        return entries;
    }

    private async Task<LexiconMatcher> LoadLexiconAsync()
    {
        using var reader = new StreamReader(Path.Combine(platform.Folder, PlatformSimulator.LexiconFileName));
        var (entries, errors) = await LexiconFile.ReadAsync(reader);
        Assert.Empty(errors);
        return LexiconMatcher.Build(entries.Select((e, i) => new LexiconEntry(i, e.Pattern, e.Category, e.Weight, e.Mode)));
    }

    private static string Temp() => Path.Combine(Path.GetTempPath(), "haven-sim-tests-" + Guid.NewGuid().ToString("N"));
}
