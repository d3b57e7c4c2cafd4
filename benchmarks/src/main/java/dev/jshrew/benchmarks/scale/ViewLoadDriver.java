package dev.jshrew.benchmarks.scale;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Loads a running node's JSON-RPC with small views, as fast as it answers: {@code clients} threads, each on one
 * keep-alive connection ({@link KeepAliveClient}), send {@code perClient} views per round (the soak's {@link
 * Soak#smallView}: the spendables indexer's {@code blockhash} or {@code stats} of a random height in {@code [from,
 * to]}), for {@code rounds} rounds, and print each round's throughput and the node's CPU over it. The first rounds are
 * the node's JIT warm-up; read the last ones. Unlike the soak's views profile, nothing else runs: pointed at a read
 * replica of an indexed database ({@code serve --replica-of}), it measures what views alone cost a node.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.jshrew.benchmarks.scale.ViewLoadDriver PORT CLIENTS
 * PER_CLIENT FROM TO ROUNDS [NODE_PID]} (loopback only).
 */
public final class ViewLoadDriver {
    private ViewLoadDriver() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            System.err.println("usage: ViewLoadDriver PORT CLIENTS PER_CLIENT FROM TO ROUNDS [NODE_PID]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        int clients = Integer.parseInt(args[1]);
        int perClient = Integer.parseInt(args[2]);
        long from = Long.parseLong(args[3]);
        long to = Long.parseLong(args[4]);
        int rounds = Integer.parseInt(args[5]);
        long pid = args.length > 6 ? Long.parseLong(args[6]) : -1;
        for (int round = 0; round < rounds; round++) {
            AtomicLong answered = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            long cpu0 = cpuNanos(pid);
            long start = System.nanoTime();
            for (int c = 0; c < clients; c++) {
                SplittableRandom random = new SplittableRandom(round * 1_000_003L + c);
                threads.add(Thread.ofPlatform().start(() -> {
                    try (KeepAliveClient http = new KeepAliveClient(port, 30_000)) {
                        for (int i = 0; i < perClient; i++) {
                            JsonNode r = Soak.call(http, "metashrew_view", Soak.smallView(random, from, to));
                            (r != null && r.isTextual() ? answered : failed).incrementAndGet();
                        }
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long cpu = cpuNanos(pid) - cpu0;
            System.out.printf(
                    Locale.ROOT,
                    "round %d: %d views, %d failed, %.2f s, %.1f views/s%s%n",
                    round,
                    answered.get(),
                    failed.get(),
                    seconds,
                    answered.get() / seconds,
                    pid < 0 || answered.get() == 0
                            ? ""
                            : String.format(Locale.ROOT, ", node CPU %.3f ms a view", cpu / 1e6 / answered.get()));
        }
    }

    /**
     * The node's CPU time so far (user and system), its child processes' included (the CLI runs GraalWasm in a JVM it
     * starts with the Graal compiler's flags), or 0 without a pid.
     */
    private static long cpuNanos(long pid) {
        if (pid < 0) {
            return 0;
        }
        return ProcessHandle.of(pid)
                .map(p -> java.util.stream.Stream.concat(java.util.stream.Stream.of(p), p.descendants())
                        .mapToLong(h -> h.info()
                                .totalCpuDuration()
                                .map(java.time.Duration::toNanos)
                                .orElse(0L))
                        .sum())
                .orElse(0L);
    }
}
