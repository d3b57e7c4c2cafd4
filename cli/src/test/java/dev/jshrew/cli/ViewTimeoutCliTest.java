package dev.jshrew.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.node.rpc.RpcClient;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --view-timeout}: a view that never returns ({@code guests/wat/spin.wat}) fails with a clear error instead of
 * holding its worker, through {@code view} and through {@code serve}'s JSON-RPC; the next view answers.
 */
class ViewTimeoutCliTest {
    @TempDir
    Path temp;

    static String spin() {
        return CliTest.repo().resolve("guests/wat/spin.wasm").toString();
    }

    private String indexedDb() {
        String db = temp.resolve("db").toString();
        CliTest.Run index = CliTest.jshrew(
                "index",
                "--engine",
                "chicory",
                "--indexer",
                spin(),
                "--db",
                db,
                "--blocks",
                CliTest.repo().resolve("sample/blocks").toString(),
                "--memory-commit",
                "off");
        assertThat(index.code()).as(index.err()).isZero();
        return db;
    }

    @Test
    void viewCommandStopsARunawayViewAndRejectsABadValue() {
        String db = indexedDb();
        CliTest.Run spin = CliTest.jshrew(
                "view",
                "--engine",
                "chicory",
                "--indexer",
                spin(),
                "--db",
                db,
                "--function",
                "spin_calls",
                "--input",
                "",
                "--height",
                "0",
                "--view-timeout",
                "300ms");
        assertThat(spin.code()).as(spin.err()).isEqualTo(ErrorCode.TRAP.exitCode());
        assertThat(spin.err())
                .contains("engine chicory, module spin.wasm, view at height 0: Failed to execute "
                        + "view function 'spin_calls':" + " stopped after the view timeout of 0.3 s (--view-timeout)");
        CliTest.Run quick = CliTest.jshrew(
                "view",
                "--engine",
                "chicory",
                "--indexer",
                spin(),
                "--db",
                db,
                "--function",
                "quick",
                "--input",
                "",
                "--view-timeout",
                "2.5s");
        assertThat(quick.code()).as(quick.err()).isZero();
        assertThat(quick.out().strip()).isEqualTo("6f6b");
        for (String bad : new String[] {"fast", "-1s", "10", "1.5ms"}) {
            CliTest.Run r = CliTest.jshrew(
                    "view",
                    "--engine",
                    "chicory",
                    "--indexer",
                    spin(),
                    "--db",
                    db,
                    "--function",
                    "quick",
                    "--input",
                    "",
                    "--view-timeout",
                    bad);
            assertThat(r.code()).as(bad).isEqualTo(ErrorCode.INPUT.exitCode());
            assertThat(r.err())
                    .contains("--view-timeout must be 0 (none) or a duration such as 500ms, 30s or 2m, not '" + bad
                            + "'");
        }
    }

    @Test
    void serveAnswersARunawayViewWithAnErrorAndKeepsItsOnlyWorker() throws Exception {
        String db = temp.resolve("served").toString();
        try (ChildJshrew serve = ChildJshrew.start(
                List.of(),
                "serve",
                "--engine",
                "chicory",
                "--indexer",
                spin(),
                "--db",
                db,
                "--blocks",
                CliTest.repo().resolve("sample/blocks").toString(),
                "--port",
                "0",
                "--memory-commit",
                "16m",
                "--view-workers",
                "1",
                "--view-timeout",
                "400ms")) {
            int port = Integer.parseInt(serve.awaitErr("serving JSON-RPC on http://127\\.0\\.0\\.1:(\\d+)", 60));
            RpcClient rpc = new RpcClient(port);
            ServeCliTest.await(
                    "the sample indexed",
                    60,
                    () -> rpc.result("metashrew_height").equals("840243"));
            // One worker: without the timeout the first runaway view would hold it forever and the rest would queue.
            for (String view : new String[] {"spin", "spin_calls", "spin_host"}) {
                var error = rpc.call("metashrew_view", view, "0x", "latest").path("error");
                assertThat(error.path("code").asInt()).isEqualTo(-32000);
                assertThat(error.path("message").asText())
                        .contains("Failed to execute view function '" + view + "': stopped after the view"
                                + " timeout of 0.4 s (--view-timeout)");
                assertThat(rpc.result("metashrew_view", "quick", "0x", "latest"))
                        .isEqualTo("0x6f6b");
            }
            assertThat(serve.terminate()).isEqualTo(143);
        }
    }
}
