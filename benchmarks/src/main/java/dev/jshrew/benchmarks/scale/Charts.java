package dev.jshrew.benchmarks.scale;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The soak's charts as plain SVG (scatter plots with axes and ticks), written here: a few dozen lines, no plotting
 * library or gnuplot needed on the machine, and SVG diffs well in the results directory.
 */
final class Charts {
    private static final int W = 900;
    private static final int H = 420;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"};

    private Charts() {}

    /** A named series of (x, y) points. */
    record Series(String name, List<double[]> points) {}

    static void write(Soak.Result r, Path out, String base) throws IOException {
        JsonNode j = r.json();
        List<double[]> total = new ArrayList<>();
        List<double[]> commit = new ArrayList<>();
        List<double[]> cpu = new ArrayList<>();
        for (JsonNode b : j.get("blocks_ms")) {
            double h = b.get(0).asDouble();
            total.add(new double[] {
                h, b.get(1).asDouble() + b.get(2).asDouble() + b.get(3).asDouble()
            });
            commit.add(new double[] {h, b.get(3).asDouble()});
            if (b.size() > 5 && b.get(5).asDouble() >= 0) {
                cpu.add(new double[] {h, b.get(5).asDouble()});
            }
        }
        String e = r.engine();
        svg(
                out.resolve(base + "-block-time.svg"),
                "per-block time (run + reset + commit) vs height, " + e,
                "height",
                "ms",
                cpu.isEmpty()
                        ? List.of(new Series("run+reset+commit", total), new Series("commit", commit))
                        : List.of(
                                new Series("run+reset+commit", total),
                                new Series("commit", commit),
                                new Series("CPU time of the indexing thread", cpu)));
        List<double[]> rss = new ArrayList<>();
        for (JsonNode s : j.get("rss")) {
            rss.add(new double[] {s.get(1).asDouble(), s.get(2).asDouble() / 1024});
        }
        List<double[]> db = new ArrayList<>();
        for (JsonNode s : j.get("db_size")) {
            db.add(new double[] {s.get(1).asDouble(), s.get(2).asDouble() / (1 << 20)});
        }
        svg(
                out.resolve(base + "-rss.svg"),
                "RSS and database size vs height, " + e + " (kills restart the process)",
                "height",
                "MiB",
                List.of(new Series("RSS", rss), new Series("database", db)));
        List<double[]> lat = new ArrayList<>();
        for (JsonNode s : j.get("view_latency_ms")) {
            lat.add(new double[] {s.get(0).asDouble() / 1000, s.get(1).asDouble()});
        }
        svg(
                out.resolve(base + "-view-latency.svg"),
                "view latency under indexing load, " + e,
                "seconds since the load started",
                "ms",
                List.of(new Series("metashrew_view", lat)));
    }

    static void svg(Path file, String title, String xLabel, String yLabel, List<Series> series) throws IOException {
        double minX = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        double maxY = 0;
        for (Series s : series) {
            for (double[] p : s.points()) {
                minX = Math.min(minX, p[0]);
                maxX = Math.max(maxX, p[0]);
                maxY = Math.max(maxY, p[1]);
            }
        }
        if (minX > maxX) {
            minX = 0;
            maxX = 1;
        }
        if (maxX == minX) {
            maxX = minX + 1;
        }
        maxY = maxY <= 0 ? 1 : maxY * 1.05;
        StringBuilder b = new StringBuilder();
        b.append(f(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\""
                        + " font-size=\"12\">\n",
                W, H));
        b.append(f("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H));
        b.append(f("<text x=\"%d\" y=\"22\" font-size=\"15\">%s</text>\n", LEFT, esc(title)));
        int pw = W - LEFT - RIGHT;
        int ph = H - TOP - BOTTOM;
        b.append(f(
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>\n",
                LEFT, TOP, pw, ph));
        for (int i = 0; i <= 5; i++) {
            double x = minX + (maxX - minX) * i / 5;
            double y = maxY * i / 5;
            double px = LEFT + pw * i / 5.0;
            double py = TOP + ph - ph * i / 5.0;
            b.append(f("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", px, TOP + ph + 16, num(x)));
            b.append(f("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", LEFT - 6, py + 4, num(y)));
            b.append(f(
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", LEFT, py, LEFT + pw, py));
        }
        b.append(f("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", LEFT + pw / 2, H - 10, esc(xLabel)));
        b.append(f(
                "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\">%s</text>\n",
                TOP + ph / 2, TOP + ph / 2, esc(yLabel)));
        for (int k = 0; k < series.size(); k++) {
            String colour = COLOURS[k % COLOURS.length];
            b.append(f("<g fill=\"%s\" fill-opacity=\"0.6\">\n", colour));
            for (double[] p : series.get(k).points()) {
                double px = LEFT + pw * (p[0] - minX) / (maxX - minX);
                double py = TOP + ph - ph * p[1] / maxY;
                b.append(f("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.6\"/>\n", px, py));
            }
            b.append("</g>\n");
            b.append(f(
                    "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>\n",
                    LEFT + pw - 200,
                    TOP + 16 + 16 * k,
                    colour,
                    esc(series.get(k).name())));
        }
        b.append("</svg>\n");
        Files.writeString(file, b, StandardCharsets.UTF_8);
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    private static String num(double v) {
        return Math.abs(v) >= 100 || v == Math.rint(v) ? f("%.0f", v) : f("%.2f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
