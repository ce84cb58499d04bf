namespace Haven.Simulation;

/// <summary>The follow graph and who is active.</summary>
internal sealed partial class PlatformSimulator
{
    // Followees of account a: _followTarget[_followStart[a] .. _followStart[a + 1]), each with its time.
    private int[] _followStart = [];
    private int[] _followSource = [];
    private int[] _followTarget = [];
    private long[] _followTime = [];

    // Follow edge indexes grouped by the day they happen on.
    private int[] _followByDay = [];
    private int[] _followDayStart = [];

    // Who acts: an alias table over ordinary accounts weighted by a heavy-tailed activity level.
    private double[] _aliasProbability = [];
    private int[] _aliasIndex = [];

    /// <summary>
    /// Ordinary accounts follow a power-law number of accounts (Pareto tail exponent 1.5, at least 1): a tenth of the
    /// time a celebrity hub (Zipf), mostly by preferential attachment (the target of an earlier edge), else anyone;
    /// a share <see cref="PlatformOptions.Unwitting"/> lands on an offender. Offenders follow 8–60 accounts, each an
    /// offender (creators and distributors favoured) or, with probability <see cref="PlatformOptions.Camouflage"/>, an
    /// ordinary account chosen as ordinary users choose. Ordinary edges are front-loaded in time (the network existed
    /// before the period); the offender network grows evenly.
    /// </summary>
    private void BuildFollowGraph()
    {
        var period = _options.Days * DayMs;
        var capacity = (int)Math.Min(int.MaxValue / 2, (long)_accounts * 4);
        var targets = new List<int>(capacity);
        var times = new List<long>(capacity);
        _followStart = new int[_accounts + 1];
        var seen = new HashSet<int>();
        var weighted = OffenderFollowTargets();
        var maxOut = Math.Max(10, Math.Min(5_000, _accounts / 20));

        for (var a = 0; a < _accounts; a++)
        {
            _followStart[a] = targets.Count;
            seen.Clear();
            var offender = _role[a] != OffenderRole.None;
            var degree = offender
                ? _random.Between(8, 60)
                : Math.Min(maxOut, (int)_random.Pareto(1.0, 1.5));
            for (var k = 0; k < degree; k++)
            {
                int target;
                var attempts = 0;
                do
                {
                    target = offender
                        ? (_random.Chance(_options.Camouflage) ? OrdinaryFollowTarget(targets) : weighted[_random.Next(weighted.Length)])
                        : (_random.Chance(_options.Unwitting) ? _offenders[_random.Next(_offenders.Length)] : OrdinaryFollowTarget(targets));
                }
                while ((target == a || !seen.Add(target)) && ++attempts < 8);

                if (attempts >= 8)
                {
                    continue;
                }

                targets.Add(target);
                var u = _random.NextDouble();
                times.Add(_activityStart + (long)((offender ? u : u * u) * period));
            }
        }

        _followStart[_accounts] = targets.Count;
        _followTarget = [.. targets];
        _followSource = new int[_followTarget.Length];
        for (var a = 0; a < _accounts; a++)
        {
            _followSource.AsSpan(_followStart[a], _followStart[a + 1] - _followStart[a]).Fill(a);
        }

        _followTime = [.. times];

        // Counting sort of the edges by day.
        var days = _options.Days;
        _followDayStart = new int[days + 1];
        var dayOf = new int[_followTime.Length];
        for (var e = 0; e < _followTime.Length; e++)
        {
            dayOf[e] = DayOf(_followTime[e]);
            _followDayStart[dayOf[e] + 1]++;
        }

        for (var d = 0; d < days; d++)
        {
            _followDayStart[d + 1] += _followDayStart[d];
        }

        var next = (int[])_followDayStart.Clone();
        _followByDay = new int[_followTime.Length];
        for (var e = 0; e < _followTime.Length; e++)
        {
            _followByDay[next[dayOf[e]]++] = e;
        }
    }

    /// <summary>Offenders as follow targets, creators four times and distributors three times as likely as the rest.</summary>
    private int[] OffenderFollowTargets()
    {
        var list = new List<int>();
        foreach (var o in _offenders)
        {
            var copies = _role[o] switch
            {
                OffenderRole.Creator => 4,
                OffenderRole.Distributor => 3,
                _ => 1,
            };
            for (var c = 0; c < copies; c++)
            {
                list.Add(o);
            }
        }

        return [.. list];
    }

    private int OrdinaryFollowTarget(List<int> targets)
    {
        var roll = _random.NextDouble();
        if (roll < 0.10)
        {
            return _hubs[_random.Zipf(_hubs.Length)];
        }

        if (roll < 0.70 && targets.Count > 0)
        {
            // Preferential attachment: an earlier edge's target, drawn in proportion to its in-degree so far.
            for (var attempt = 0; attempt < 4; attempt++)
            {
                var candidate = targets[_random.Next(targets.Count)];
                if (_role[candidate] == OffenderRole.None)
                {
                    return candidate;
                }
            }
        }

        return _ordinary[_random.Next(_ordinary.Length)];
    }

    /// <summary>Activity levels: Pareto (tail exponent 1.5) capped at 200× the least active; Vose's alias method.</summary>
    private void BuildActivity()
    {
        var n = _ordinary.Length;
        var weights = new double[n];
        var total = 0.0;
        for (var i = 0; i < n; i++)
        {
            weights[i] = Math.Min(200.0, _random.Pareto(1.0, 1.5));
            total += weights[i];
        }

        _aliasProbability = new double[n];
        _aliasIndex = new int[n];
        var small = new Stack<int>();
        var large = new Stack<int>();
        for (var i = 0; i < n; i++)
        {
            weights[i] = weights[i] * n / total;
            (weights[i] < 1.0 ? small : large).Push(i);
        }

        while (small.Count > 0 && large.Count > 0)
        {
            var s = small.Pop();
            var l = large.Pop();
            _aliasProbability[s] = weights[s];
            _aliasIndex[s] = l;
            weights[l] = weights[l] + weights[s] - 1.0;
            (weights[l] < 1.0 ? small : large).Push(l);
        }

        while (large.Count > 0)
        {
            _aliasProbability[large.Pop()] = 1.0;
        }

        while (small.Count > 0)
        {
            _aliasProbability[small.Pop()] = 1.0;
        }
    }

    private int ActiveOrdinaryAccount()
    {
        var i = _random.Next(_aliasProbability.Length);
        return _ordinary[_random.NextDouble() < _aliasProbability[i] ? i : _aliasIndex[i]];
    }

    private int DayOf(long time) => (int)Math.Clamp((time - _activityStart) / DayMs, 0, _options.Days - 1);
}
