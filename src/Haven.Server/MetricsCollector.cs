using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Haven.Server;

/// <summary>
/// Sums Haven's counters (meter <see cref="HavenMetrics.MeterName"/>) since the server started and renders them in the
/// Prometheus text format at <c>/metrics</c>. Labels are reason codes and statuses, never content.
/// </summary>
internal sealed class MetricsCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Name, string Labels), long> _sums = new();
    private readonly ConcurrentDictionary<string, string> _help = new(StringComparer.Ordinal);

    public MetricsCollector()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == HavenMetrics.MeterName)
            {
                _help[instrument.Name] = instrument.Description ?? instrument.Name;
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var labels = new StringBuilder();
            foreach (var tag in tags)
            {
                labels.Append(labels.Length == 0 ? "" : ",").Append(tag.Key).Append("=\"").Append(Escape(Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? string.Empty)).Append('"');
            }

            _sums.AddOrUpdate((instrument.Name, labels.ToString()), value, (_, sum) => sum + value);
        });
        _listener.Start();
    }

    /// <summary>Every counter as Prometheus text (version 0.0.4).</summary>
    public string Render()
    {
        var text = new StringBuilder();
        foreach (var name in _help.Keys.Order(StringComparer.Ordinal))
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(_help[name]).Append('\n');
            text.Append("# TYPE ").Append(name).Append(" counter\n");
            foreach (var ((_, labels), sum) in _sums.Where(p => p.Key.Name == name).OrderBy(p => p.Key.Labels, StringComparer.Ordinal))
            {
                text.Append(name).Append(labels.Length == 0 ? string.Empty : "{" + labels + "}").Append(' ').Append(sum.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        return text.ToString();
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    public void Dispose() => _listener.Dispose();
}
