package dev.jshrew.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.node.chain.FakeBitcoind;
import dev.jshrew.node.chain.RegtestChain;
import dev.jshrew.tck.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * rockshrew-mono's command line (METASHREW-ABI §6.4) run by jshrew as it is written in rockshrew-mono's
 * documentation: only the fixtures are swapped in (bitcoind's URL, the wasm, the database, a loopback host and a free
 * port), and the options a test needs appended (engine, small memory commit, no progress bar).
 */
class MonoCommandLineTest {
    /** From rockshrew-mono's README, unchanged. */
    static final String DOCUMENTED = "--daemon-rpc-url http://localhost:8332 --auth bitcoinrpc:bitcoinrpc"
            + " --indexer ./alkanes.wasm --db-path ~/.metashrew --host 0.0.0.0 --port 8080 --cors *";

    static final List<String> TEST_OPTIONS =
            List.of("--engine", "chicory", "--memory-commit", "off", "--view-workers", "1", "--progress", "off");

    @TempDir
    Path temp;

    /** The documented line with each fixture swapped in for its token, and the test options appended. */
    static String[] documented(Map<String, String> fixtures) {
        List<String> args = new ArrayList<>(List.of("serve"));
        for (String token : DOCUMENTED.split(" ")) {
            args.add(fixtures.getOrDefault(token, token));
        }
        args.addAll(TEST_OPTIONS);
        return args.toArray(String[]::new);
    }

    static RegtestChain chain() {
        return RegtestChain.startingWith(Fixtures.realBlocks().get(0L).bytes())
                .extend(2, "a", RegtestChain.sharedAndUnique("a"));
    }

    static FakeBitcoind bitcoind() throws Exception {
        FakeBitcoind fake = new FakeBitcoind().serve(chain());
        fake.requireAuth("Basic "
                + Base64.getEncoder().encodeToString("bitcoinrpc:bitcoinrpc".getBytes(StandardCharsets.UTF_8)));
        return fake;
    }

    static HttpResponse<String> send(HttpClient http, String host, int port, String method, String origin)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/"))
                .header("Origin", origin)
                .header("Content-Type", "application/json");
        if (method.equals("OPTIONS")) {
            b.method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Access-Control-Request-Method", "POST")
                    .header("Access-Control-Request-Headers", "content-type");
        } else {
            b.POST(HttpRequest.BodyPublishers.ofString(
                    "{\"id\":7,\"jsonrpc\":\"2.0\",\"method\":\"metashrew_height\",\"params\":[]}"));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static void awaitHeight(HttpClient http, String host, int port, String height) throws Exception {
        String expected = "{\"id\":7,\"jsonrpc\":\"2.0\",\"result\":\"" + height + "\"}";
        ServeCliTest.await(
                "metashrew_height " + height,
                60,
                () -> send(http, host, port, "POST", "http://localhost:8080")
                        .body()
                        .equals(expected));
    }

    @Test
    void theDocumentedCommandLineServesMetashrewHeight() throws Exception {
        Path db = temp.resolve("metashrew");
        try (FakeBitcoind fake = bitcoind();
                ChildJshrew serve = ChildJshrew.start(
                        List.of(),
                        documented(Map.of(
                                "http://localhost:8332", fake.url().toString(),
                                "./alkanes.wasm", CliTest.indexer(),
                                "~/.metashrew", db.toString(),
                                "0.0.0.0", "127.0.0.1",
                                "8080", "0")));
                HttpClient http = HttpClient.newHttpClient()) {
            int port = Integer.parseInt(serve.awaitErr("serving JSON-RPC on http://127\\.0\\.0\\.1:(\\d+)", 60));
            awaitHeight(http, "127.0.0.1", port, "2");
            // --cors '*': any origin may call it.
            HttpResponse<String> call = send(http, "127.0.0.1", port, "POST", "https://wallet.example");
            assertThat(call.headers().firstValue("Access-Control-Allow-Origin")).contains("*");
            assertThat(serve.terminate()).isIn(0, 143);
        }
        assertThat(Files.list(db)).isNotEmpty(); // --db-path is the database
    }

    @Test
    void hostAndPortFromTheEnvironmentAndAPreflightGetsCorsHeaders() throws Exception {
        List<String> args = new ArrayList<>(Arrays.asList(documented(Map.of())));
        // HOST and PORT replace --host/--port: 127.0.0.2 (loopback, but not the default) and a free port.
        int host = args.indexOf("--host");
        args.subList(host, host + 4).clear();
        try (FakeBitcoind fake = bitcoind()) {
            args.set(args.indexOf("http://localhost:8332"), fake.url().toString());
            args.set(args.indexOf("./alkanes.wasm"), CliTest.indexer());
            args.set(args.indexOf("~/.metashrew"), temp.resolve("db").toString());
            try (ChildJshrew serve = ChildJshrew.start(
                            Map.of("HOST", "127.0.0.2", "PORT", "0"), List.of(), args.toArray(String[]::new));
                    HttpClient http = HttpClient.newHttpClient()) {
                int port = Integer.parseInt(serve.awaitErr("serving JSON-RPC on http://127\\.0\\.0\\.2:(\\d+)", 60));
                assertThat(port).isNotEqualTo(8080);
                awaitHeight(http, "127.0.0.2", port, "2");
                HttpResponse<String> preflight = send(http, "127.0.0.2", port, "OPTIONS", "https://wallet.example");
                assertThat(preflight.statusCode()).isEqualTo(204);
                assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin"))
                        .contains("*");
                assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods"))
                        .contains("POST, OPTIONS");
                assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers"))
                        .contains("content-type");
                assertThat(preflight.headers().firstValue("Access-Control-Max-Age"))
                        .contains("3600");
                assertThat(serve.terminate()).isIn(0, 143);
            }
        }
    }

    @Test
    void forkOptionsStopWithExit2AndTouchNothing() throws Exception {
        Path db = temp.resolve("db");
        String[][] cases = {
            {"--fork", temp.resolve("other").toString(), "not supported"},
            {"--legacy-fork", null, "not supported"},
        };
        for (String command : List.of("serve", "index")) {
            for (String[] c : cases) {
                List<String> args = new ArrayList<>(List.of(
                        command,
                        "--engine",
                        "chicory",
                        "--indexer",
                        CliTest.indexer(),
                        "--db-path",
                        db.toString(),
                        "--blocks",
                        CliTest.repo().resolve("sample/blocks").toString(),
                        c[0]));
                if (c[1] != null) {
                    args.add(c[1]);
                }
                CliTest.Run r = CliTest.jshrew(args.toArray(String[]::new));
                assertThat(r.code()).as(command + " " + c[0]).isEqualTo(2);
                assertThat(r.err().lines().findFirst().orElse(""))
                        .contains(c[0])
                        .contains(c[2]);
            }
        }
        assertThat(db).doesNotExist();
    }

    @Test
    void badAuthAndCorsAreRefusedClearly() {
        CliTest.Run sshfs = CliTest.jshrew(
                "serve",
                "--engine",
                "chicory",
                "--indexer",
                CliTest.indexer(),
                "--db-path",
                temp.resolve("db").toString(),
                "--daemon-rpc-url",
                "http://127.0.0.1:1",
                "--auth",
                "sshfs://node.example:/home/bitcoin/.bitcoin/.cookie");
        assertThat(sshfs.code()).isEqualTo(ErrorCode.INPUT.exitCode());
        assertThat(sshfs.err()).contains("sshfs").contains("not supported").contains("--rpc-cookie-file");
        CliTest.Run cors = CliTest.jshrew(
                "serve",
                "--engine",
                "chicory",
                "--indexer",
                CliTest.indexer(),
                "--db-path",
                temp.resolve("db").toString(),
                "--blocks",
                CliTest.repo().resolve("sample/blocks").toString(),
                "--cors",
                "wallet.example");
        assertThat(cors.code()).isEqualTo(ErrorCode.INPUT.exitCode());
        assertThat(cors.err()).contains("--cors").contains("wallet.example");
        assertThat(temp.resolve("db")).doesNotExist();
    }

    @Test
    void dbPathIsAnAliasOfDbForIndexViewAndDump() {
        String db = temp.resolve("db").toString();
        CliTest.Run index = CliTest.jshrew(
                "index",
                "--engine",
                "chicory",
                "--indexer",
                CliTest.indexer(),
                "--db-path",
                db,
                "--blocks",
                CliTest.repo().resolve("sample/blocks/mainnet-000000.hex").toString(),
                "--memory-commit",
                "off",
                "--pipeline-size",
                "auto");
        assertThat(index.code()).as(index.err()).isZero();
        CliTest.Run view = CliTest.jshrew(
                "view",
                "--engine",
                "chicory",
                "--indexer",
                CliTest.indexer(),
                "--db-path",
                db,
                "--function",
                "blockhash",
                "--input",
                CliTest.u32hex(0));
        assertThat(view.code()).as(view.err()).isZero();
        assertThat(view.out().strip()).isEqualTo(Fixtures.realBlocks().get(0L).hash());
        CliTest.Run dump = CliTest.jshrew("dump", "--db-path", db, "--height", "0");
        assertThat(dump.code()).as(dump.err()).isZero();
        assertThat(dump.out())
                .isEqualTo(CliTest.jshrew("dump", "--db", db, "--height", "0").out());
        assertThat(dump.out()).contains("sha256 ");
    }
}
