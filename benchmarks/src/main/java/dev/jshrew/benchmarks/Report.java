package dev.jshrew.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * Turns the JMH JSON results of a run directory (and an optional {@code v8-baseline.json}) into {@code RESULTS.md}
 * (tables) and {@code chart.png} (startup commit vs per-block reset, per engine).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.jshrew.benchmarks.Report benchmarks/results/DIR
 * "machine, date"}
 */
public final class Report {
    record Result(
            String benchmark, Map<String, String> params, double score, double error, String unit, List<Double> raw) {
        String param(String name) {
            return params.getOrDefault(name, "");
        }

        double millis() {
            return switch (unit) {
                case "us/op" -> score / 1000;
                case "ns/op" -> score / 1e6;
                case "s/op" -> score * 1000;
                default -> score;
            };
        }
    }

    private Report() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        String machine = args.length > 1 ? args[1] : "";
        List<Result> results = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")
                            && !f.getFileName().toString().startsWith("v8"))
                    .sorted()
                    .toList()) {
                for (JsonNode run : json.readTree(file.toFile())) {
                    Map<String, String> params = new TreeMap<>();
                    run.path("params")
                            .properties()
                            .forEach(e -> params.put(e.getKey(), e.getValue().asText()));
                    JsonNode metric = run.path("primaryMetric");
                    List<Double> raw = new ArrayList<>();
                    metric.path("rawData").forEach(fork -> fork.forEach(v -> raw.add(v.asDouble())));
                    String name = run.path("benchmark").asText();
                    results.add(new Result(
                            name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1),
                            params,
                            metric.path("score").asDouble(),
                            metric.path("scoreError").asDouble(),
                            metric.path("scoreUnit").asText(),
                            raw));
                }
            }
        }
        Map<String, Double> v8 = new LinkedHashMap<>();
        Path v8file = dir.resolve("v8-baseline.json");
        if (Files.exists(v8file)) {
            json.readTree(v8file.toFile())
                    .properties()
                    .forEach(e -> v8.put(e.getKey(), e.getValue().asDouble()));
        }
        StringBuilder md =
                new StringBuilder("# Benchmark results\n\n").append(machine.isEmpty() ? "" : machine + "\n\n");
        commitTables(results, md);
        resetTable(results, md);
        blockTable(results, v8, md);
        Files.writeString(dir.resolve("RESULTS.md"), md);
        chart(results, dir.resolve("chart.png"), machine);
        System.out.print(md);
    }

    private static String range(Result r) {
        if (r.raw().size() < 2) {
            return "";
        }
        double min = r.raw().stream().mapToDouble(Double::doubleValue).min().orElse(0);
        double max = r.raw().stream().mapToDouble(Double::doubleValue).max().orElse(0);
        return String.format(
                Locale.ROOT, " (%.0f–%.0f, n=%d)", min, max, r.raw().size());
    }

    private static void commitTables(List<Result> results, StringBuilder md) {
        md.append("## Startup commit (single shot per fork)\n\n| what | size | ms: mean (min–max, "
                + "forks) |\n|---|---|---|\n");
        for (Result r : results) {
            if (r.benchmark().equals("CommitBenchmark.commit")) {
                md.append(String.format(
                        Locale.ROOT,
                        "| strategy %s | %s MiB | %.0f%s |%n",
                        r.param("strategy"),
                        r.param("sizeMiB"),
                        r.score(),
                        range(r)));
            }
        }
        for (Result r : results) {
            if (r.benchmark().equals("EngineCommitBenchmark.instantiateCommitted")) {
                md.append(String.format(
                        Locale.ROOT,
                        "| engine %s: instantiate with full commit | %s | %.0f%s |%n",
                        r.param("engine"),
                        r.param("engine").equals("chicory") ? "2047 MiB (cap)" : "4096 MiB",
                        r.score(),
                        range(r)));
            }
        }
        md.append('\n');
    }

    private static void resetTable(List<Result> results, StringBuilder md) {
        md.append("## Per-block reset vs high-water (µs, mean of single shots)\n\n")
                .append("| engine | high-water MiB | reset (fast) | fresh instantiation | "
                        + "memset floor | fresh / reset | reset / floor |\n|---|---|---|---|---|---|---|\n");
        Map<String, Double> floor = new TreeMap<>();
        for (Result r : results) {
            if (r.benchmark().equals("ResetBenchmark.memsetFloor")) {
                floor.put(r.param("highWaterMiB"), r.millis() * 1000);
            }
        }
        TreeSet<String> engines = new TreeSet<>();
        results.stream()
                .filter(r -> r.benchmark().startsWith("ResetBenchmark.reset"))
                .forEach(r -> engines.add(r.param("engine")));
        for (String engine : engines) {
            for (Result reset : results) {
                if (!reset.benchmark().equals("ResetBenchmark.reset")
                        || !reset.param("engine").equals(engine)) {
                    continue;
                }
                String hw = reset.param("highWaterMiB");
                double resetUs = reset.millis() * 1000;
                double freshUs = results.stream()
                        .filter(r -> r.benchmark().equals("ResetBenchmark.fresh")
                                && r.param("engine").equals(engine)
                                && r.param("highWaterMiB").equals(hw))
                        .mapToDouble(r -> r.millis() * 1000)
                        .findFirst()
                        .orElse(Double.NaN);
                double floorUs = floor.getOrDefault(hw, Double.NaN);
                md.append(String.format(
                        Locale.ROOT,
                        "| %s | %s | %.0f | %.0f | %.0f | %.1f× | %.2f× |%n",
                        engine,
                        hw,
                        resetUs,
                        freshUs,
                        floorUs,
                        freshUs / resetUs,
                        resetUs / floorUs));
            }
        }
        md.append('\n');
    }

    private static void blockTable(List<Result> results, Map<String, Double> v8, StringBuilder md) {
        md.append("## One real block (840243) through the Rust indexer, steady state (ms/op, "
                + "incl. reset and RocksDB commit)\n\n| engine | ms/op | ± |\n|---|---|---|\n");
        for (Result r : results) {
            if (r.benchmark().equals("BlockBenchmark.indexBlock")) {
                md.append(
                        String.format(Locale.ROOT, "| %s | %.0f | %.0f |%n", r.param("engine"), r.score(), r.error()));
            }
        }
        v8.forEach((k, v) -> md.append(String.format(Locale.ROOT, "| %s | %.0f | |%n", k, v)));
        md.append('\n');
    }

    private static void chart(List<Result> results, Path png, String machine) throws IOException {
        CategoryChart commit = new CategoryChartBuilder()
                .width(640)
                .height(420)
                .title("Startup commit (ms)")
                .yAxisTitle("ms")
                .build();
        commit.getStyler().setLegendVisible(false).setChartTitleBoxVisible(false);
        List<String> names = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (Result r : results) {
            if (r.benchmark().equals("CommitBenchmark.commit")) {
                names.add(r.param("strategy").replace("hugepage_populate_write", "hugepage+pw") + " "
                        + r.param("sizeMiB") + "M");
                values.add(r.score());
            } else if (r.benchmark().equals("EngineCommitBenchmark.instantiateCommitted")) {
                names.add(r.param("engine"));
                values.add(r.score());
            }
        }
        if (!names.isEmpty()) {
            commit.addSeries("commit", names, values);
        }
        commit.getStyler().setXAxisLabelRotation(30);

        XYChart reset = new XYChartBuilder()
                .width(640)
                .height(420)
                .title("Per-block reset vs high-water (µs)")
                .xAxisTitle("high-water MiB")
                .yAxisTitle("µs")
                .build();
        reset.getStyler()
                .setXAxisLogarithmic(true)
                .setYAxisLogarithmic(true)
                .setLegendPosition(Styler.LegendPosition.InsideNW);
        Map<String, TreeMap<Double, Double>> series = new TreeMap<>();
        for (Result r : results) {
            if (r.benchmark().startsWith("ResetBenchmark.")) {
                String what = r.benchmark().substring("ResetBenchmark.".length());
                String key = what.equals("memsetFloor") ? "memset floor" : r.param("engine") + " " + what;
                series.computeIfAbsent(key, k -> new TreeMap<>())
                        .put(Double.parseDouble(r.param("highWaterMiB")), r.millis() * 1000);
            }
        }
        series.forEach((k, v) -> reset.addSeries(k, new ArrayList<>(v.keySet()), new ArrayList<>(v.values())));
        BitmapEncoder.saveBitmap(
                List.of(commit, reset), 1, 2, png.toString().replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
    }
}
