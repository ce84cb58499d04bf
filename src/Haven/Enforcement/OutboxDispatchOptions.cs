namespace Haven.Enforcement;

/// <summary>Retry, batching and timeout settings shared by every adapter's options.</summary>
internal abstract class OutboxDispatchOptions
{
    /// <summary>Attempts before a row is dead-lettered.</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>Delay after the first failure; doubles per attempt.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest delay between attempts.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Per-request deadline (connect, send, response headers and body).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most rows claimed per <see cref="OutboxDispatcher.RunOnceAsync"/>.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>How long the host loop sleeps when nothing was due.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Problems with these options, empty when they are usable.</summary>
    public abstract IReadOnlyList<string> Validate();

    /// <summary>Appends problems with the shared settings to <paramref name="problems"/>.</summary>
    protected void ValidateDispatch(List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (MaxAttempts < 1)
        {
            problems.Add("MaxAttempts must be at least 1.");
        }

        if (BaseDelay <= TimeSpan.Zero || MaxDelay < BaseDelay)
        {
            problems.Add("BaseDelay must be positive and MaxDelay at least BaseDelay.");
        }

        if (Timeout <= TimeSpan.Zero)
        {
            problems.Add("Timeout must be positive.");
        }

        if (BatchSize < 1)
        {
            problems.Add("BatchSize must be at least 1.");
        }

        if (PollInterval <= TimeSpan.Zero)
        {
            problems.Add("PollInterval must be positive.");
        }
    }
}
