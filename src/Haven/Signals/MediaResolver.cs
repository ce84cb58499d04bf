using Haven.Banks;
using Haven.Kernels.Pdq;
using Haven.Matching;
using Haven.Media;

namespace Haven.Signals;

/// <summary>
/// The signals of one media item of a post, whichever way it arrived, and its bank hits. <see cref="Error"/> is a stable
/// code (<c>truncated</c>, <c>host_not_allowed</c>, <c>invalid_pdq</c>, …) when something could not be computed;
/// whatever could be computed is still matched.
/// </summary>
internal sealed record ResolvedMedia(MediaField Field, string? Pdq, int? Quality, string? Md5, string? Sha256, string? Error, IReadOnlyList<MatchHit> Hits);

/// <summary>
/// Turns media items of events into hashes and bank hits through the foundation's decoder, hasher and index: bytes are
/// decoded and hashed, URLs fetched only through <see cref="MediaFetcher"/> (allow-list, no private addresses, limits),
/// precomputed hashes validated and looked up as they are.
/// </summary>
internal sealed class MediaResolver(MediaHasher hasher, MediaFetcher? fetcher, MatchOptions options, DecodeBudget budget)
{
    /// <summary>How many URL fetches run at once.</summary>
    public const int MaxConcurrentFetches = 8;

    /// <summary>Resolves every item; bytes are hashed in parallel within the decode budget, URLs fetched a few at a time. Results in input order.</summary>
    public async Task<ResolvedMedia[]> ResolveAsync(IReadOnlyList<MediaField> items, MatchIndex index, CancellationToken cancellationToken)
    {
        var results = new ResolvedMedia[items.Count];
        var fetched = new byte[]?[items.Count];
        var fetchErrors = new string?[items.Count];
        using (var gate = new SemaphoreSlim(MaxConcurrentFetches))
        {
            var fetches = new List<Task>();
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i].Url is not { } url)
                {
                    continue;
                }

                if (fetcher is null)
                {
                    fetchErrors[i] = "url_fetch_disabled";
                    continue;
                }

                var slot = i;
                fetches.Add(Task.Run(
                    async () =>
                    {
                        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                        try
                        {
                            var (bytes, error) = await fetcher.FetchAsync(url, cancellationToken).ConfigureAwait(false);
                            fetched[slot] = bytes;
                            fetchErrors[slot] = error is null ? null : FetchCode(error.Kind);
                        }
                        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                        {
                            // A connection reset mid-body and the like: this item fails, never the batch.
                            fetchErrors[slot] = "network";
                        }
                        finally
                        {
                            gate.Release();
                        }
                    },
                    cancellationToken));
            }

            await Task.WhenAll(fetches).ConfigureAwait(false);
        }

        // Decodes wait for the process-wide budget, which bounds both their memory and how many run at once.
        var decodes = new List<Task>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (item.Hashes is { } hashes)
            {
                results[i] = FromHashes(item, hashes, index);
            }
            else if ((item.Bytes ?? fetched[i]) is { } bytes)
            {
                var slot = i;
                decodes.Add(Task.Run(async () => results[slot] = await FromBytesAsync(item, bytes, index, cancellationToken).ConfigureAwait(false), cancellationToken));
            }
            else
            {
                results[i] = new ResolvedMedia(item, null, null, null, null, fetchErrors[i] ?? "no_media", []);
            }
        }

        await Task.WhenAll(decodes).ConfigureAwait(false);
        return results;
    }

    private async Task<ResolvedMedia> FromBytesAsync(MediaField item, byte[] bytes, MatchIndex index, CancellationToken cancellationToken)
    {
        var signals = await hasher.HashAsync(bytes, budget, cancellationToken).ConfigureAwait(false);
        var match = MediaMatcher.Match(index, signals, options);
        var md5 = signals.Exact.Md5;
        return new ResolvedMedia(
            item,
            signals.Pdq is { IsZero: false } pdq ? pdq.ToString() : null,
            signals.Pdq is null ? null : signals.Quality,
            md5,
            md5 is null ? null : signals.Exact.Sha256,
            signals.DecodeError?.Code,
            match.Hits);
    }

    private ResolvedMedia FromHashes(MediaField item, MediaHashesField hashes, MatchIndex index)
    {
        // The bank's own rules for a hash value (exact length, hex, never all-zero) decide what is usable.
        var hits = new List<MatchHit>();
        var errors = new List<string>();
        var pdq = Normalize(hashes.Pdq, SignalType.Pdq, errors);
        // One rule for events and banks: a PDQ hash without quality is of unknown quality and is matched, as bank
        // entries without quality are (docs/events.md says what that costs); a stated quality below the gate is not.
        if (pdq is not null && (hashes.Quality ?? options.QualityGate) >= options.QualityGate)
        {
            hits.AddRange(index.LookupPdq(PdqHash.Parse(pdq), options.Threshold, options.Bank));
        }

        var md5 = Normalize(hashes.Md5, SignalType.Md5, errors);
        if (md5 is not null)
        {
            hits.AddRange(index.LookupExact(SignalType.Md5, md5, options.Bank));
        }

        var sha256 = Normalize(hashes.Sha256, SignalType.Sha256, errors);
        if (sha256 is not null)
        {
            hits.AddRange(index.LookupExact(SignalType.Sha256, sha256, options.Bank));
        }

        return new ResolvedMedia(item, pdq, pdq is null ? null : hashes.Quality, md5, sha256, errors.Count == 0 ? null : string.Join(',', errors), hits);
    }

    private static string? Normalize(string? raw, SignalType type, List<string> errors)
    {
        if (raw is null)
        {
            return null;
        }

        if (SignalValue.TryNormalize(type, raw.AsSpan().Trim(), out var value, out _))
        {
            return value;
        }

        errors.Add("invalid_" + type.Name());
        return null;
    }

    private static string FetchCode(MediaFetchErrorKind kind) => kind switch
    {
        MediaFetchErrorKind.BadUrl => "bad_url",
        MediaFetchErrorKind.HostNotAllowed => "host_not_allowed",
        MediaFetchErrorKind.PrivateAddress => "private_address",
        MediaFetchErrorKind.TooManyRedirects => "too_many_redirects",
        MediaFetchErrorKind.HttpStatus => "http_status",
        MediaFetchErrorKind.TooManyBytes => "too_many_bytes",
        MediaFetchErrorKind.Timeout => "timeout",
        _ => "network",
    };
}
