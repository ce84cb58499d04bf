using System.Diagnostics;
using System.Text;
using Haven.Media;
using SkiaSharp;

namespace Haven.Simulation;

/// <summary>
/// <c>haven simulate</c>: a seeded, deterministic synthetic platform (accounts, a heavy-tailed follow graph, everyday
/// posts, photos, replies, reposts, reports) with a planted offender network, written as contract events together with
/// the bank of known images, a placeholder lexicon and the ground truth (docs/simulate.md).
/// </summary>
/// <remarks>
/// One thread and one generator (<see cref="PlatformRandom"/>) make every byte a function of the options. Activity is
/// generated a day at a time into a small buffer of compact records (no strings), sorted by (time, generation order)
/// and written as JSON once no later day can produce an earlier event; content (words, hashtags, hashes) is derived at
/// write time from a per-event seed. Memory holds the follow graph and per-account counters, not the events.
/// </remarks>
internal sealed partial class PlatformSimulator
{
    /// <summary>The events file.</summary>
    public const string EventsFile = "events.ndjson";

    /// <summary>The known-images bank (Haven CSV: <c>haven bank import NAME bank.csv --format csv</c>).</summary>
    public const string BankFile = "bank.csv";

    /// <summary>The placeholder lexicon (docs/lexicon.md).</summary>
    public const string LexiconFileName = "lexicon.csv";

    /// <summary>The ground truth (<see cref="GroundTruth"/>).</summary>
    public const string TruthFile = "truth.json";

    private const long HourMs = 3_600_000;
    private const long DayMs = 24 * HourMs;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly PlatformOptions _options;
    private readonly PlatformRandom _random;
    private readonly int _accounts;
    private readonly long _start;
    private readonly long _activityStart;
    private readonly long _coOptedFrom;

    // Who is who.
    private readonly OffenderRole[] _role;
    private readonly int[] _ordinal;
    private int[] _offenders = [];
    private int[][] _byRole = [];
    private int[] _ordinary = [];
    private int[] _hubs = [];

    // Known images: the bank, who first posts each one and when.
    private int _knownImages;
    private byte[] _bankPdq = [];
    private byte[] _bankMd5 = [];
    private byte[] _bankSha256 = [];
    private int[] _bankQuality = [];
    private byte[]?[] _imageBytes = [];
    private int[] _imageCreator = [];
    private long[] _imageFirstTime = [];
    private int[] _imagesByFirstTime = [];

    private PlatformSimulator(PlatformOptions options)
    {
        _options = options;
        _random = new PlatformRandom(PlatformRandom.Mix((ulong)(uint)options.Seed, 0x4841_5645_4E53_494DUL));
        _accounts = options.Accounts;
        _start = options.Start.ToUnixTimeMilliseconds();
        _activityStart = _start + (2 * HourMs);
        _coOptedFrom = _activityStart + (options.Days / 2 * DayMs);
        _role = new OffenderRole[_accounts];
        _ordinal = new int[_accounts];
        _lastPost = new int[_accounts];
        _lastPostTime = new long[_accounts];
        Array.Fill(_lastPost, -1);
    }

    /// <summary>
    /// Generates the platform described by <paramref name="options"/> into <paramref name="outDir"/> (created if
    /// missing): events.ndjson, bank.csv, lexicon.csv and truth.json. Same options, same bytes.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid (<see cref="PlatformOptions.Validate"/>).</exception>
    /// <exception cref="IOException">The folder or a file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder or a file cannot be written.</exception>
    public static PlatformSummary Generate(PlatformOptions options, string outDir, IProgress<PlatformProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (options.Validate() is { } invalid)
        {
            throw new ArgumentException(invalid, nameof(options));
        }

        var elapsed = Stopwatch.StartNew();
        Directory.CreateDirectory(outDir);
        var simulator = new PlatformSimulator(options);
        var files = new List<string>();

        simulator.AssignRoles();
        progress?.Report(new PlatformProgress("known images", 0, 1));
        simulator.CreateKnownImages();
        files.Add(simulator.WriteBank(Path.Combine(outDir, BankFile)));
        files.Add(WriteLexicon(Path.Combine(outDir, LexiconFileName)));

        progress?.Report(new PlatformProgress("follow graph", 0, 1));
        simulator.BuildFollowGraph();
        simulator.BuildActivity();

        var eventsPath = Path.Combine(outDir, EventsFile);
        using (var stream = new FileStream(eventsPath, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16))
        {
            simulator.Run(stream, progress, cancellationToken);
        }

        files.Add(eventsPath);
        var truth = simulator.Truth();
        var truthPath = Path.Combine(outDir, TruthFile);
        truth.Write(truthPath);
        files.Add(truthPath);
        progress?.Report(new PlatformProgress("done", 1, 1));

        return new PlatformSummary(
            options,
            simulator.Counts(),
            [.. new[] { OffenderRole.Creator, OffenderRole.Distributor, OffenderRole.Amplifier, OffenderRole.Solicitor }.Select(r => new KeyValuePair<OffenderRole, int>(r, simulator.Members(r).Length))],
            simulator._knownImages,
            simulator._imageFirstTime.Count(t => t >= 0),
            files,
            elapsed.Elapsed);
    }

    private int[] Members(OffenderRole role) => _byRole[(int)role];

    /// <summary>Picks the offenders (never a celebrity hub) and their roles: about 5% creators, 25% distributors, 20% solicitors, the rest amplifiers.</summary>
    private void AssignRoles()
    {
        var network = _options.Network;
        _hubs = new int[Math.Max(10, _accounts / 2_000)];
        var chosen = new bool[_accounts];
        for (var i = 0; i < _hubs.Length; i++)
        {
            int hub;
            do
            {
                hub = _random.Next(_accounts);
            }
            while (chosen[hub]);
            chosen[hub] = true;
            _hubs[i] = hub;
        }

        var offenders = new int[network];
        for (var i = 0; i < network; i++)
        {
            int account;
            do
            {
                account = _random.Next(_accounts);
            }
            while (chosen[account]);
            chosen[account] = true;
            offenders[i] = account;
        }

        var creators = Math.Max(1, (int)Math.Round(network * 0.05));
        var distributors = Math.Max(1, (int)Math.Round(network * 0.25));
        var solicitors = Math.Max(1, (int)Math.Round(network * 0.20));
        for (var i = 0; i < network; i++)
        {
            _role[offenders[i]] = i < creators ? OffenderRole.Creator
                : i < creators + distributors ? OffenderRole.Distributor
                : i < creators + distributors + solicitors ? OffenderRole.Solicitor
                : OffenderRole.Amplifier;
        }

        Array.Sort(offenders);
        _offenders = offenders;
        Array.Fill(_ordinal, -1);
        for (var i = 0; i < offenders.Length; i++)
        {
            _ordinal[offenders[i]] = i;
        }

        _byRole = new int[5][];
        for (var r = 0; r < 5; r++)
        {
            _byRole[r] = [.. offenders.Where(a => (int)_role[a] == r)];
        }

        _ordinary = [.. Enumerable.Range(0, _accounts).Where(a => _role[a] == OffenderRole.None)];
        _evidence = new OffenderEvidence[network];
    }

    /// <summary>
    /// The bank: random 256-bit PDQ hashes (quality 50–100) with random MD5 and SHA-256, except the first
    /// <see cref="PlatformOptions.Images"/>, which are real synthetic JPEGs hashed by the real pipeline. Creators
    /// first-post about 80% of them during the first 80% of the period (each creator at least one); the rest are known
    /// from elsewhere and never seen.
    /// </summary>
    private void CreateKnownImages()
    {
        var creators = Members(OffenderRole.Creator);
        var count = Math.Max(10, creators.Length * 8);
        _knownImages = count;
        _bankPdq = new byte[count * 32];
        _bankMd5 = new byte[count * 16];
        _bankSha256 = new byte[count * 32];
        _bankQuality = new int[count];
        _imageBytes = new byte[count][];
        _random.NextBytes(_bankPdq);
        _random.NextBytes(_bankMd5);
        _random.NextBytes(_bankSha256);
        for (var i = 0; i < count; i++)
        {
            _bankQuality[i] = _random.Between(50, 100);
        }

        var embedded = Math.Min(_options.Images, count);
        if (embedded > 0)
        {
            var hasher = new MediaHasher();
            for (var i = 0; i < embedded; i++)
            {
                using var bitmap = SyntheticImages.Generate(unchecked((_options.Seed * 7_919) + 900_000_000 + i), 320, 240);
                var bytes = SyntheticImages.Encode(bitmap, SKEncodedImageFormat.Jpeg, 88);
                var signals = hasher.Hash(bytes);
                if (!signals.PdqUsable(50))
                {
                    continue;
                }

                Convert.FromHexString(signals.Pdq!.Value.ToString(), _bankPdq.AsSpan(i * 32, 32), out _, out _);
                Convert.FromHexString(signals.Exact.Md5, _bankMd5.AsSpan(i * 16, 16), out _, out _);
                Convert.FromHexString(signals.Exact.Sha256, _bankSha256.AsSpan(i * 32, 32), out _, out _);
                _bankQuality[i] = signals.Quality;
                _imageBytes[i] = bytes;
            }
        }

        var posted = Math.Max(creators.Length, (int)Math.Round(count * 0.8));
        _imageCreator = new int[count];
        _imageFirstTime = new long[count];
        Array.Fill(_imageCreator, -1);
        Array.Fill(_imageFirstTime, -1L);
        var window = (long)(_options.Days * DayMs * 0.8);
        for (var i = 0; i < posted; i++)
        {
            _imageCreator[i] = creators[i < creators.Length ? i : _random.Next(creators.Length)];

            // Image 0 goes up on day 0, so distributors and amplifiers always have something to pass on from day 1.
            _imageFirstTime[i] = _activityStart + (i == 0 ? _random.NextLong(DayMs / 2) : _random.NextLong(window));
        }

        _imagesByFirstTime = [.. Enumerable.Range(0, posted).OrderBy(i => _imageFirstTime[i]).ThenBy(i => i)];
    }

    private string WriteBank(string path)
    {
        using var writer = new StreamWriter(path, false, Utf8, 1 << 16);
        writer.Write("hash,signal_type,quality,category,source,external_id\n");
        for (var i = 0; i < _knownImages; i++)
        {
            var externalId = ImageExternalId(i);
            writer.Write(Convert.ToHexStringLower(_bankPdq, i * 32, 32));
            writer.Write(FormattableString.Invariant($",pdq,{_bankQuality[i]},A1,haven simulate,{externalId}\n"));
            writer.Write(Convert.ToHexStringLower(_bankMd5, i * 16, 16));
            writer.Write($",md5,,A1,haven simulate,{externalId}\n");
            writer.Write(Convert.ToHexStringLower(_bankSha256, i * 32, 32));
            writer.Write($",sha256,,A1,haven simulate,{externalId}\n");
        }

        return path;
    }

    private static string WriteLexicon(string path)
    {
        using var writer = new StreamWriter(path, false, Utf8);
        PlatformText.WriteLexicon(writer);
        return path;
    }

    private static string ImageExternalId(int image) => FormattableString.Invariant($"sim-{image + 1:D6}");

    private PlatformCounts Counts() => BuildCounts();
}
