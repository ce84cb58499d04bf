using System.Globalization;
using System.Net;
using System.Text;

namespace Haven.Simulation;

/// <summary>One line of a plot: its name, colour and points.</summary>
internal sealed record PlotSeries(string Name, string Color, IReadOnlyList<(double X, double Y)> Points, bool Dashed = false);

/// <summary>A node of the network picture: id, colour (its role), whether it is a seed and whether the truth agrees.</summary>
internal sealed record PictureNode(string Id, string Color, bool Seed, bool Correct, string Title);

/// <summary>An edge of the network picture between two node indexes.</summary>
internal readonly record struct PictureEdge(int From, int To, string Kind);

/// <summary>
/// A self-contained HTML page (no scripts, no external files) with tables and inline SVG plots, for reports people
/// would rather look at than read. Every text goes through HTML escaping; ids only, never content.
/// </summary>
internal sealed class HtmlReport(string title)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private readonly StringBuilder _body = new();

    /// <summary>A section heading.</summary>
    public HtmlReport Heading(string text)
    {
        _body.Append("<h2>").Append(Escape(text)).Append("</h2>\n");
        return this;
    }

    /// <summary>A paragraph of plain text.</summary>
    public HtmlReport Paragraph(string text)
    {
        _body.Append("<p>").Append(Escape(text)).Append("</p>\n");
        return this;
    }

    /// <summary>A table with a header row.</summary>
    public HtmlReport Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        _body.Append("<table><tr>");
        foreach (var h in header)
        {
            _body.Append("<th>").Append(Escape(h)).Append("</th>");
        }

        _body.Append("</tr>\n");
        foreach (var row in rows)
        {
            _body.Append("<tr>");
            foreach (var cell in row)
            {
                _body.Append("<td>").Append(Escape(cell)).Append("</td>");
            }

            _body.Append("</tr>\n");
        }

        _body.Append("</table>\n");
        return this;
    }

    /// <summary>A line plot with axes from 0 to the largest x and from 0 to 1 on y.</summary>
    public HtmlReport LinePlot(string caption, string xLabel, string yLabel, IReadOnlyList<PlotSeries> series, double xMax)
    {
        const int W = 720, H = 360, L = 60, R = 170, T = 20, B = 50;
        var plotW = W - L - R;
        var plotH = H - T - B;
        xMax = Math.Max(xMax, 1);
        double X(double x) => L + (Math.Min(x, xMax) / xMax * plotW);
        double Y(double y) => T + plotH - (Math.Clamp(y, 0, 1) * plotH);
        var svg = new StringBuilder();
        svg.Append(Invariant, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-label=\"{Escape(caption)}\">");
        for (var i = 0; i <= 5; i++)
        {
            var y = i / 5.0;
            svg.Append(Invariant, $"<line x1=\"{L}\" x2=\"{L + plotW}\" y1=\"{Y(y):0.#}\" y2=\"{Y(y):0.#}\" stroke=\"#ddd\"/>");
            svg.Append(Invariant, $"<text x=\"{L - 8}\" y=\"{Y(y) + 4:0.#}\" text-anchor=\"end\" font-size=\"11\">{y:0.0}</text>");
            var x = xMax * i / 5;
            svg.Append(Invariant, $"<text x=\"{X(x):0.#}\" y=\"{T + plotH + 16}\" text-anchor=\"middle\" font-size=\"11\">{x:N0}</text>");
        }

        svg.Append(Invariant, $"<rect x=\"{L}\" y=\"{T}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#888\"/>");
        svg.Append(Invariant, $"<text x=\"{L + (plotW / 2)}\" y=\"{H - 8}\" text-anchor=\"middle\" font-size=\"12\">{Escape(xLabel)}</text>");
        svg.Append(Invariant, $"<text transform=\"translate(14,{T + (plotH / 2)}) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">{Escape(yLabel)}</text>");
        var legendY = T + 10;
        foreach (var s in series)
        {
            var points = Thin([.. s.Points.Where(p => p.X <= xMax)], 400);
            if (points.Count > 0)
            {
                svg.Append(Invariant, $"<polyline fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"2\"{(s.Dashed ? " stroke-dasharray=\"6 4\"" : string.Empty)} points=\"");
                foreach (var (x, y) in points)
                {
                    svg.Append(Invariant, $"{X(x):0.#},{Y(y):0.#} ");
                }

                svg.Append("\"/>");
            }

            svg.Append(Invariant, $"<line x1=\"{L + plotW + 10}\" x2=\"{L + plotW + 34}\" y1=\"{legendY}\" y2=\"{legendY}\" stroke=\"{s.Color}\" stroke-width=\"2\"{(s.Dashed ? " stroke-dasharray=\"6 4\"" : string.Empty)}/>");
            svg.Append(Invariant, $"<text x=\"{L + plotW + 40}\" y=\"{legendY + 4}\" font-size=\"11\">{Escape(s.Name)}</text>");
            legendY += 18;
        }

        svg.Append("</svg>");
        _body.Append("<figure>").Append(svg).Append("<figcaption>").Append(Escape(caption)).Append("</figcaption></figure>\n");
        return this;
    }

    /// <summary>A picture of a small network, laid out by a seeded force-directed layout; seeds drawn larger, wrong calls with a red ring.</summary>
    public HtmlReport Network(string caption, IReadOnlyList<PictureNode> nodes, IReadOnlyList<PictureEdge> edges, IReadOnlyList<(string Label, string Color)> legend, int seed = 1)
    {
        const int W = 720, H = 560, Pad = 30;
        var positions = ForceLayout.Run(nodes.Count, edges, seed);
        double X(int i) => Pad + (positions[i].X * (W - 180 - (2 * Pad)));
        double Y(int i) => Pad + (positions[i].Y * (H - (2 * Pad)));
        var svg = new StringBuilder();
        svg.Append(Invariant, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-label=\"{Escape(caption)}\">");
        foreach (var e in edges)
        {
            svg.Append(Invariant, $"<line x1=\"{X(e.From):0.#}\" y1=\"{Y(e.From):0.#}\" x2=\"{X(e.To):0.#}\" y2=\"{Y(e.To):0.#}\" stroke=\"#bbb\" stroke-width=\"0.7\"><title>{Escape(e.Kind)}</title></line>");
        }

        for (var i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            var r = n.Seed ? 9 : 5;
            var stroke = n.Seed ? "#000" : n.Correct ? "#fff" : "#d00";
            svg.Append(Invariant, $"<circle cx=\"{X(i):0.#}\" cy=\"{Y(i):0.#}\" r=\"{r}\" fill=\"{n.Color}\" stroke=\"{stroke}\" stroke-width=\"{(n.Correct && !n.Seed ? 0.5 : 2)}\"><title>{Escape(n.Title)}</title></circle>");
        }

        var ly = 20;
        foreach (var (label, color) in legend)
        {
            svg.Append(Invariant, $"<circle cx=\"{W - 160}\" cy=\"{ly}\" r=\"6\" fill=\"{color}\"/><text x=\"{W - 148}\" y=\"{ly + 4}\" font-size=\"11\">{Escape(label)}</text>");
            ly += 18;
        }

        svg.Append(Invariant, $"<circle cx=\"{W - 160}\" cy=\"{ly}\" r=\"6\" fill=\"#fff\" stroke=\"#d00\" stroke-width=\"2\"/><text x=\"{W - 148}\" y=\"{ly + 4}\" font-size=\"11\">not in the planted network</text>");
        svg.Append("</svg>");
        _body.Append("<figure>").Append(svg).Append("<figcaption>").Append(Escape(caption)).Append("</figcaption></figure>\n");
        return this;
    }

    /// <summary>The whole page.</summary>
    public string Render() =>
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + Escape(title) + "</title>\n<style>" +
        "body{font-family:system-ui,sans-serif;margin:2em;max-width:1000px;color:#222}table{border-collapse:collapse;margin:1em 0}" +
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}" +
        "figure{margin:1em 0}figcaption{font-size:0.9em;color:#555}</style></head><body>\n<h1>" + Escape(title) + "</h1>\n" + _body + "</body></html>\n";

    private static string Escape(string text) => WebUtility.HtmlEncode(text);

    private static List<(double X, double Y)> Thin(IReadOnlyList<(double X, double Y)> points, int max)
    {
        if (points.Count <= max)
        {
            return [.. points];
        }

        var step = (double)points.Count / max;
        var thinned = new List<(double, double)>(max + 1);
        for (var i = 0.0; i < points.Count; i += step)
        {
            thinned.Add(points[(int)i]);
        }

        thinned.Add(points[^1]);
        return thinned;
    }
}

/// <summary>A seeded Fruchterman–Reingold layout in the unit square; deterministic for the same input and seed.</summary>
internal static class ForceLayout
{
    /// <summary>Positions in [0,1]² for <paramref name="count"/> nodes.</summary>
    public static (double X, double Y)[] Run(int count, IReadOnlyList<PictureEdge> edges, int seed, int iterations = 300)
    {
        var random = new Random(seed);
        var x = new double[count];
        var y = new double[count];
        for (var i = 0; i < count; i++)
        {
            x[i] = random.NextDouble();
            y[i] = random.NextDouble();
        }

        if (count == 0)
        {
            return [];
        }

        var k = Math.Sqrt(1.0 / count);
        var dx = new double[count];
        var dy = new double[count];
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var temperature = 0.1 * (1 - ((double)iteration / iterations));
            Array.Clear(dx);
            Array.Clear(dy);
            for (var i = 0; i < count; i++)
            {
                for (var j = i + 1; j < count; j++)
                {
                    var ex = x[i] - x[j];
                    var ey = y[i] - y[j];
                    var d2 = Math.Max((ex * ex) + (ey * ey), 1e-6);
                    var force = k * k / d2;
                    dx[i] += ex * force;
                    dy[i] += ey * force;
                    dx[j] -= ex * force;
                    dy[j] -= ey * force;
                }
            }

            foreach (var e in edges)
            {
                var ex = x[e.From] - x[e.To];
                var ey = y[e.From] - y[e.To];
                var d = Math.Max(Math.Sqrt((ex * ex) + (ey * ey)), 1e-3);
                var force = d / k;
                dx[e.From] -= ex * force;
                dy[e.From] -= ey * force;
                dx[e.To] += ex * force;
                dy[e.To] += ey * force;
            }

            for (var i = 0; i < count; i++)
            {
                var length = Math.Max(Math.Sqrt((dx[i] * dx[i]) + (dy[i] * dy[i])), 1e-9);
                var step = Math.Min(length, temperature);
                x[i] += dx[i] / length * step;
                y[i] += dy[i] / length * step;
            }
        }

        var (minX, maxX, minY, maxY) = (x.Min(), x.Max(), y.Min(), y.Max());
        return [.. Enumerable.Range(0, count).Select(i => (
            maxX - minX < 1e-9 ? 0.5 : (x[i] - minX) / (maxX - minX),
            maxY - minY < 1e-9 ? 0.5 : (y[i] - minY) / (maxY - minY)))];
    }
}
