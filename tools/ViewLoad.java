/*
 * A bounded JSON-RPC load generator for measuring one node's views/s (deploy/README.md): THREADS clients each send
 * one request body in a loop, on keep-alive connections, for SECONDS seconds or COUNT requests in all, whichever
 * comes first; prints requests, errors, requests/s and latency percentiles. Loopback only by intent (a URL is given).
 *
 *   java tools/ViewLoad.java URL THREADS SECONDS COUNT 'JSON-BODY'
 *   java tools/ViewLoad.java http://127.0.0.1:8080 4 10 200000 \
 *       '{"jsonrpc":"2.0","id":1,"method":"metashrew_getblockhash","params":[0]}'
 */
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

public class ViewLoad {
    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: java tools/ViewLoad.java URL THREADS SECONDS COUNT JSON-BODY");
            System.exit(2);
        }
        URI url = URI.create(args[0]);
        int threads = Integer.parseInt(args[1]);
        long deadline = System.nanoTime() + Long.parseLong(args[2]) * 1_000_000_000L;
        long count = Long.parseLong(args[3]);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(url)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(args[4]))
                .build();
        // warm-up: one request, which must succeed
        String first = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        if (!first.contains("\"result\"")) {
            System.err.println("not a result: " + first);
            System.exit(1);
        }
        AtomicLong issued = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        List<long[]> latencies = new ArrayList<>();
        List<Thread> clients = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            long[] mine = new long[(int) Math.min(count, 10_000_000)];
            latencies.add(mine);
            clients.add(Thread.ofPlatform().start(() -> {
                int n = 0;
                while (System.nanoTime() < deadline && issued.incrementAndGet() <= count) {
                    long t0 = System.nanoTime();
                    try {
                        String body = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
                        if (!body.contains("\"result\"")) {
                            errors.incrementAndGet();
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                    mine[n++] = System.nanoTime() - t0;
                }
                mine[mine.length - 1] = n; // how many this client recorded (count < length for any real run)
            }));
        }
        for (Thread c : clients) {
            c.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] all = latencies.stream()
                .flatMapToLong(l -> Arrays.stream(l, 0, (int) l[l.length - 1]))
                .sorted()
                .toArray();
        System.out.printf(
                "%d requests, %d errors, %.1f s, %.0f requests/s, latency ms p50 %.2f p99 %.2f max %.2f%n",
                all.length,
                errors.get(),
                seconds,
                all.length / seconds,
                all[all.length / 2] / 1e6,
                all[(int) (all.length * 0.99)] / 1e6,
                all[all.length - 1] / 1e6);
    }
}
