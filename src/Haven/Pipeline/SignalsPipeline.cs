using Haven.Enforcement;
using Haven.Matching;
using Haven.Media;
using Haven.Policy;
using Haven.Signals;
using Haven.Storage;
using Microsoft.Extensions.Logging;

namespace Haven.Pipeline;

/// <summary>The signals stage's settings as every host reads them from configuration (docs/configuration.md).</summary>
internal sealed record SignalsSettings
{
    /// <summary>The policy decisions are made by (already in shadow mode if asked).</summary>
    public required PolicyEngine Policy { get; init; }

    /// <summary>Where actions go: decides the adapters actions are enqueued for, and the dispatchers that deliver them.</summary>
    public EnforcementTargets Targets { get; init; } = EnforcementTargets.None;

    /// <summary>Where media URLs may be fetched from; null refuses every URL.</summary>
    public MediaFetchOptions? Fetch { get; init; }

    /// <summary>Events per transaction.</summary>
    public int BatchSize { get; init; } = 10_000;

    /// <summary>The cases stage's settings: the due times of cases the policy and reports open.</summary>
    public Cases.CaseSettings Cases { get; init; } = Haven.Cases.CaseSettings.Default;

    /// <summary>Why these settings cannot work, or null.</summary>
    public string? Validate() =>
        BatchSize is < 1 or > 100_000 ? "the signals batch size must be 1..100000"
        : Cases.Validate() ?? Targets.Validate();
}

/// <summary>
/// The one factory for the signals stage: <c>haven serve</c>, <c>haven process</c>, <c>haven events dead retry</c> and
/// the demo build the processor here from <see cref="SignalsSettings"/>, whose <see cref="SignalsSettings.Targets"/> also
/// build the outbox dispatchers (<see cref="EnforcementTargets.CreateDispatchers"/>), so the same settings give the same behaviour in every host (which adapters receive a
/// decision's actions does not depend on which host decided it).
/// </summary>
internal sealed class SignalsPipeline : IAsyncDisposable
{
    private readonly MediaFetcher? _fetcher;

    private SignalsPipeline(HavenStore store, SignalsSettings settings, SignalProcessor processor, MediaFetcher? fetcher)
    {
        Store = store;
        Settings = settings;
        Processor = processor;
        _fetcher = fetcher;
    }

    /// <summary>The store the stage reads and writes.</summary>
    public HavenStore Store { get; }

    /// <summary>The settings it was built from.</summary>
    public SignalsSettings Settings { get; }

    /// <summary>The signals stage.</summary>
    public SignalProcessor Processor { get; }

    /// <summary>
    /// Builds the stage. Hosts that match media elsewhere too pass their shared <paramref name="hasher"/>,
    /// <paramref name="budget"/> and <paramref name="index"/>; otherwise the stage makes its own.
    /// </summary>
    public static SignalsPipeline Create(HavenStore store, SignalsSettings settings, MediaHasher? hasher = null, DecodeBudget? budget = null, MatchIndexHolder? index = null, ILogger<SignalProcessor>? logger = null)
    {
        if (settings.Validate() is { } invalid)
        {
            throw new ArgumentException("Invalid signals settings: " + invalid, nameof(settings));
        }

        var fetcher = settings.Fetch is { } fetch ? new MediaFetcher(fetch) : null;
        var processor = new SignalProcessor(store, new ProcessorOptions
        {
            Policy = settings.Policy,
            BatchSize = settings.BatchSize,
            Adapters = settings.Targets.Adapters,
            Cases = settings.Cases,
            Fetcher = fetcher,
            Hasher = hasher,
            DecodeBudget = budget,
            Index = index,
        }, logger);
        return new SignalsPipeline(store, settings, processor, fetcher);
    }

    public async ValueTask DisposeAsync()
    {
        await Processor.DisposeAsync().ConfigureAwait(false);
        _fetcher?.Dispose();
    }
}
