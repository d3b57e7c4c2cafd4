package dev.jshrew.benchmarks.scale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Flat cost measured side by side: the first and the last {@code W} heights of a chain, indexed at the same time by
 * two processes on the same machine, so whatever else loads it weighs on both windows alike. A soak's own ratio
 * compares minutes (quick) or an hour (full) apart, and on a shared machine the load changes in between; this one
 * does not depend on it.
 *
 * <ul>
 *   <li>late: {@code DB}, the chain's block files indexed to the end ({@code jshrew index --blocks CHAIN}; made
 *       first when {@code DB} does not exist, reused when it does), is rolled back by {@code W} blocks ({@code jshrew
 *       rollback}) and re-indexes them from the same files, so it ends as it began;
 *   <li>early: a fresh database indexes the chain's first {@code WARM + W} heights ({@code --exit-at}; the first
 *       {@code WARM} are the warm-up and are not counted), again and again on a new database, for as long as the
 *       late side runs.
 * </ul>
 *
 * <p>Only blocks committed while both sides ran count (the late side's first to last block, by the block logs'
 * clocks): whatever the machine does in that interval, it does to both.
 *
 * <p>A soak's own databases cannot serve as {@code DB}: after its reorgs the devnet's final chain is not the files'
 * chain from the first fork on. The content of {@code DB} does not depend on the engine, so one serves every engine.
 *
 * <p>{@code Replay CHAIN ENGINE W DB OUT_JSON [JSHREW_COMMAND…]}, run from the repository root; prints one line:
 * {@code replay: engine E, heights T… (n blocks) vs F… (m blocks) side by side, per-block last/first = R (CPU R2)}
 * (n, m: the blocks committed while both sides ran).
 */
public final class Replay {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WARM = 20;

    private Replay() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: Replay CHAIN ENGINE WINDOW DB OUT_JSON [JSHREW_COMMAND...]");
            System.exit(2);
        }
        Path chain = Path.of(args[0]);
        String engine = args[1];
        int window = Integer.parseInt(args[2]);
        Path db = Path.of(args[3]);
        Path outJson = Path.of(args[4]);
        List<String> jshrew = jshrewCommand(args, 5);
        Path work = Files.createTempDirectory("jshrew-replay");
        Path log = work.resolve("replay.log");
        List<String> common = List.of(
                "--engine", engine, "--indexer", "guests/spendables/spendables.wasm", "--memory-commit", "512m");
        if (!Files.exists(db)) {
            List<String> whole = new ArrayList<>(List.of("index", "--db", db.toString(), "--blocks", chain.toString()));
            whole.addAll(common);
            if (run(jshrew, log, whole.toArray(String[]::new)) != 0) {
                throw new IllegalStateException("indexing the chain into " + db + " failed, see " + log);
            }
        }
        String info = output(jshrew, log, "info", "--db", db.toString());
        long tip = tipOf(info);
        long first = firstHeight(chain);
        if (run(jshrew, log, "rollback", "--db", db.toString(), "--height", Long.toString(tip - window), "--yes")
                != 0) {
            throw new IllegalStateException("rollback failed, see " + log);
        }
        List<String> late = new ArrayList<>(List.of("index", "--db", db.toString(), "--blocks", chain.toString()));
        late.addAll(common);
        late.addAll(List.of("--block-log", work.resolve("late.jsonl").toString()));
        List<String> early = new ArrayList<>(List.of(
                "index",
                "--db",
                work.resolve("early-db").toString(),
                "--blocks",
                chain.toString(),
                "--exit-at",
                Long.toString(first + WARM + window)));
        early.addAll(common);
        early.addAll(List.of("--block-log", work.resolve("early.jsonl").toString()));
        Process a = start(jshrew, work.resolve("late.log"), late);
        long deadline = System.nanoTime() + TimeUnit.HOURS.toNanos(2);
        int rounds = 0;
        while (a.isAlive()) {
            Soak.deleteTree(work.resolve("early-db"));
            Process b = start(jshrew, work.resolve("early.log"), early);
            rounds++;
            while (b.isAlive() && a.isAlive()) {
                b.waitFor(200, TimeUnit.MILLISECONDS);
                if (System.nanoTime() > deadline) {
                    a.destroyForcibly();
                    b.destroyForcibly();
                    throw new IllegalStateException("timed out, see " + work);
                }
            }
            if (b.isAlive()) {
                b.destroyForcibly().waitFor();
            } else if (b.exitValue() != 0) {
                a.destroyForcibly();
                throw new IllegalStateException("the early side failed, see " + work.resolve("early.log"));
            }
        }
        if (a.exitValue() != 0) {
            throw new IllegalStateException("the late side failed, see " + work.resolve("late.log"));
        }
        long[] interval = timeSpan(work.resolve("late.jsonl"), tip - window + 1, tip);
        Window lateW = window(work.resolve("late.jsonl"), tip - window + 1, tip, interval);
        Window earlyW = window(work.resolve("early.jsonl"), first + WARM, first + WARM + window - 1, interval);
        double ratio = lateW.wallMs() / earlyW.wallMs();
        double cpuRatio = lateW.cpuMs() / earlyW.cpuMs();
        ObjectNode json = JSON.createObjectNode();
        json.put("engine", engine);
        json.put("window", window);
        json.put("warmup", WARM);
        json.put("early_rounds", rounds);
        json.put("late_from", tip - window + 1);
        json.put("early_from", first + WARM);
        json.putPOJO("late", lateW);
        json.putPOJO("early", earlyW);
        json.put("ratio", ratio);
        json.put("cpu_ratio", cpuRatio);
        String line = String.format(
                java.util.Locale.ROOT,
                "replay: engine %s, heights %d… (%d blocks) vs %d… (%d blocks) side by side, per-block last/first"
                        + " = %.2f (CPU %.2f)",
                engine,
                tip - window + 1,
                lateW.blocks(),
                first + WARM,
                earlyW.blocks(),
                ratio,
                cpuRatio);
        json.put("line", line);
        Files.createDirectories(outJson.toAbsolutePath().getParent());
        JSON.writerWithDefaultPrettyPrinter().writeValue(outJson.toFile(), json);
        System.out.println(line);
    }

    /**
     * The command that runs jshrew: the arguments from {@code from} on, or this JVM's {@code java -jar
     * cli/target/jshrew.jar} when there are none.
     */
    static List<String> jshrewCommand(String[] args, int from) {
        return args.length > from
                ? List.of(args).subList(from, args.length)
                : List.of(ProcessHandle.current().info().command().orElse("java"), "-jar", "cli/target/jshrew.jar");
    }

    /**
     * The arguments of a {@code jshrew index} of the chain's heights below {@code exitAt} with the spendables indexer
     * and {@code --commit-overlap OVERLAP}, writing {@code blockLog}, plus {@code more}.
     */
    static List<String> indexArgs(
            Path db, Path chain, long exitAt, String engine, String overlap, Path blockLog, String... more) {
        return indexArgs(db, chain, exitAt, engine, "guests/spendables/spendables.wasm", overlap, blockLog, more);
    }

    /** {@link #indexArgs(Path, Path, long, String, String, Path, String...)} with another indexer. */
    static List<String> indexArgs(
            Path db,
            Path chain,
            long exitAt,
            String engine,
            String indexer,
            String overlap,
            Path blockLog,
            String... more) {
        List<String> args = new ArrayList<>(List.of(
                "index",
                "--db",
                db.toString(),
                "--blocks",
                chain.toString(),
                "--exit-at",
                Long.toString(exitAt),
                "--engine",
                engine,
                "--indexer",
                indexer,
                "--progress",
                "off",
                "--commit-overlap",
                overlap,
                "--block-log",
                blockLog.toString()));
        args.addAll(List.of(more));
        return args;
    }

    /**
     * Waits for processes started side by side, each for at most 3 hours (then all of them are killed); throws,
     * naming its label and {@code work}, for the first that failed.
     */
    static void awaitAll(Map<String, Process> byLabel, Path work) throws InterruptedException {
        for (Map.Entry<String, Process> side : byLabel.entrySet()) {
            if (!side.getValue().waitFor(3, TimeUnit.HOURS)) {
                byLabel.values().forEach(Process::destroyForcibly);
                throw new IllegalStateException("timed out, see " + work);
            }
            if (side.getValue().exitValue() != 0) {
                throw new IllegalStateException(side.getKey() + " failed, see " + work);
            }
        }
    }

    /** Medians over one window of a block log: run + reset + commit, its parts, CPU time, store reads. */
    public record Window(
            int blocks, double wallMs, double runMs, double commitMs, double cpuMs, double reads, double readMs) {}

    /** The block log's clock at the first and the last block of {@code from…to}. */
    static long[] timeSpan(Path blockLog, long from, long to) throws IOException {
        long lo = Long.MAX_VALUE;
        long hi = Long.MIN_VALUE;
        for (String l : Files.readAllLines(blockLog)) {
            JsonNode n = JSON.readTree(l);
            long h = n.path("height").asLong(-1);
            if (h >= from && h <= to) {
                lo = Math.min(lo, n.get("t_ms").asLong());
                hi = Math.max(hi, n.get("t_ms").asLong());
            }
        }
        return new long[] {lo, hi};
    }

    /** Medians over the blocks of {@code from…to} committed within {@code interval} (block log clock). */
    static Window window(Path blockLog, long from, long to, long[] interval) throws IOException {
        List<Double> wall = new ArrayList<>();
        List<Double> run = new ArrayList<>();
        List<Double> commit = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        List<Double> reads = new ArrayList<>();
        List<Double> readMs = new ArrayList<>();
        for (String l : Files.readAllLines(blockLog)) {
            JsonNode n = JSON.readTree(l);
            long h = n.path("height").asLong(-1);
            long t = n.path("t_ms").asLong(-1);
            if (h < from || h > to || t < interval[0] || t > interval[1]) {
                continue;
            }
            double r = n.get("run_ns").asLong() / 1e6;
            double c = n.get("commit_ns").asLong() / 1e6;
            wall.add(r + c + n.get("reset_ns").asLong() / 1e6);
            run.add(r);
            commit.add(c);
            cpu.add(n.path("cpu_ns").asLong(-1) / 1e6);
            reads.add(n.path("reads").asDouble(-1));
            readMs.add(n.path("read_ns").asLong(-1) / 1e6);
        }
        if (wall.isEmpty()) {
            throw new IllegalStateException("no block of " + from + "…" + to + " in " + blockLog);
        }
        return new Window(
                wall.size(),
                Soak.median(wall),
                Soak.median(run),
                Soak.median(commit),
                Soak.median(cpu),
                Soak.median(reads),
                Soak.median(readMs));
    }

    private static long tipOf(String info) {
        for (String line : info.split("\n", -1)) {
            String t = line.strip();
            if (t.startsWith("tip")) {
                String digits = t.replaceAll("[^0-9]", " ").strip().split(" +", -1)[0];
                return Long.parseLong(digits);
            }
        }
        throw new IllegalStateException("no tip in jshrew info's output:\n" + info);
    }

    /** The lowest height among the chain's block files (named by height). */
    static long firstHeight(Path chain) throws IOException {
        try (var files = Files.list(chain)) {
            return files.map(p -> p.getFileName().toString().replaceAll("[^0-9]", ""))
                    .filter(s -> !s.isEmpty())
                    .mapToLong(Long::parseLong)
                    .min()
                    .orElseThrow(() -> new IllegalStateException("no block file in " + chain));
        }
    }

    static Process start(List<String> jshrew, Path log, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(jshrew);
        command.addAll(args);
        return new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true)
                .start();
    }

    private static int run(List<String> jshrew, Path log, String... args) throws IOException, InterruptedException {
        Process p = start(jshrew, log, List.of(args));
        if (!p.waitFor(3, TimeUnit.HOURS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + String.join(" ", args));
        }
        return p.exitValue();
    }

    private static String output(List<String> jshrew, Path log, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(jshrew);
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            Files.writeString(log, out);
            throw new IllegalStateException("jshrew " + String.join(" ", args) + " failed, see " + log);
        }
        return out;
    }
}
