package dev.jshrew.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * The table of {@code v8-compare.sh}: per guest, V8's mean ms per block and each engine's JMH score with its ratio to
 * V8. Reads {@code v8-NAME.json} (the Node host's {@code bench} line) and {@code jmh-NAME-ENGINE.json} (JMH) from a
 * results directory; writes {@code RESULTS.md} there and prints it.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.jshrew.benchmarks.V8Compare DIR "machine, date"}
 */
public final class V8Compare {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> ENGINES = List.of("wasmtime", "graalwasm", "chicory");
    /** What a column of overlapped commits adds to the engine's name. */
    static final String OVERLAPPED = " overlapped";

    private V8Compare() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: V8Compare DIR \"machine, date\"");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        Results results = load(dir);
        String table = table(results, args[1]);
        Files.writeString(dir.resolve("RESULTS.md"), table);
        chart(results, dir.resolve("chart.png"), args[1]);
        System.out.print(table);
    }

    /**
     * What a results directory holds.
     *
     * @param v8 guest → V8's mean ms per block
     * @param engines guest → column (engine, or engine + {@link #OVERLAPPED}) → {score, error} in ms per block
     * @param columns the engine columns present, in {@link #ENGINES} order, each followed by its overlapped one
     */
    record Results(Map<String, Double> v8, Map<String, Map<String, double[]>> engines, List<String> columns) {
        List<String> guests() {
            return union(v8.keySet(), engines.keySet());
        }

        /** {score, error} of {@code column} for {@code guest}, or null when it did not run. */
        double[] score(String guest, String column) {
            return engines.getOrDefault(guest, Map.of()).get(column);
        }
    }

    /** The markdown table of the results in {@code dir}. */
    static String table(Path dir, String machine) throws IOException {
        return table(load(dir), machine);
    }

    /** Reads the V8 and JMH JSON files of {@code dir}. */
    static Results load(Path dir) throws IOException {
        Map<String, Double> v8 = new TreeMap<>();
        Map<String, Map<String, double[]>> engines = new TreeMap<>(); // guest → engine → {score, error}
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.sorted().toList();
        }
        for (Path f : files) {
            String n = f.getFileName().toString();
            if (n.startsWith("v8-") && n.endsWith(".json")) {
                JsonNode line = JSON.readTree(Files.readString(f));
                v8.put(n.substring(3, n.length() - 5), line.elements().next().asDouble());
            } else if (n.startsWith("jmh-") && n.endsWith(".json")) {
                for (JsonNode r : JSON.readTree(f.toFile())) {
                    JsonNode p = r.get("params");
                    String guest = Path.of(p.get("wasm").asText())
                            .getFileName()
                            .toString()
                            .replaceAll("\\.wasm$", "");
                    // A run with overlapped commits (BlockBenchmark's overlapCommits) gets a column of its own.
                    boolean overlapped = p.path("overlapCommits").asBoolean(false);
                    engines.computeIfAbsent(guest, g -> new TreeMap<>())
                            .put(p.get("engine").asText() + (overlapped ? OVERLAPPED : ""), new double[] {
                                r.get("primaryMetric").get("score").asDouble(),
                                r.get("primaryMetric").get("scoreError").asDouble()
                            });
                }
            }
        }
        List<String> columns = new ArrayList<>();
        for (String e : ENGINES) {
            columns.add(e);
            if (engines.values().stream().anyMatch(m -> m.containsKey(e + OVERLAPPED))) {
                columns.add(e + OVERLAPPED);
            }
        }
        return new Results(v8, engines, columns);
    }

    /** The markdown table of {@code results}. */
    static String table(Results results, String machine) {
        Map<String, Double> v8 = results.v8();
        List<String> columns = results.columns();
        StringBuilder out = new StringBuilder();
        out.append("# Per-block cost against V8\n\n")
                .append(machine)
                .append(". Command: `benchmarks/v8-compare.sh`. ms per block: jshrew = JMH `BlockBenchmark` (run +")
                .append(" pristine reset + RocksDB commit, steady state, mean ± 99.9 % error; \"overlapped\": each")
                .append(" block's commit written while the next block runs, `--commit-overlap on`); V8 = Node's")
                .append(" WebAssembly through `guests/node-host` (fresh instance per block, in-memory store, mean)."
                        + " Ratio = jshrew / V8 (≤ 1.0: at or below V8).\n\n");
        List<String> header = new ArrayList<>(List.of("guest", "V8 ms"));
        columns.forEach(e -> header.add(e + " ms (× V8)"));
        out.append("| ").append(String.join(" | ", header)).append(" |\n");
        out.append("|").append("---|".repeat(header.size())).append('\n');
        for (String guest : results.guests()) {
            Double base = v8.get(guest);
            out.append("| ").append(guest).append(" | ").append(base == null ? "–" : f(base));
            for (String e : columns) {
                double[] s = results.score(guest, e);
                out.append(" | ");
                if (s == null) {
                    out.append('–');
                } else {
                    out.append(f(s[0]));
                    if (!Double.isNaN(s[1])) { // JMH gives no error for a single iteration
                        out.append(" ± ").append(f(s[1]));
                    }
                    if (base != null) {
                        out.append(" (")
                                .append(String.format(Locale.ROOT, "%.2f×", s[0] / base))
                                .append(')');
                    }
                }
            }
            out.append(" |\n");
        }
        return out.toString();
    }

    /**
     * A bar chart of {@code results}: ms per block per guest, V8 and every engine column (a value that is
     * missing is drawn as an empty bar).
     */
    static void chart(Results results, Path png, String machine) throws IOException {
        CategoryChart chart = new CategoryChartBuilder()
                .width(900)
                .height(480)
                .title("Per-block cost against V8 (lower is better)")
                .xAxisTitle(machine)
                .yAxisTitle("ms per block")
                .build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        List<String> guests = results.guests();
        chart.addSeries(
                "V8",
                guests,
                guests.stream().map(g -> results.v8().getOrDefault(g, 0.0)).toList());
        for (String column : results.columns()) {
            chart.addSeries(
                    column,
                    guests,
                    guests.stream()
                            .map(g -> {
                                double[] s = results.score(g, column);
                                return s == null ? 0.0 : s[0];
                            })
                            .toList());
        }
        BitmapEncoder.saveBitmap(chart, png.toString().replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
    }

    private static List<String> union(java.util.Set<String> a, java.util.Set<String> b) {
        java.util.TreeSet<String> all = new java.util.TreeSet<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, v < 10 ? "%.2f" : "%.1f", v);
    }
}
