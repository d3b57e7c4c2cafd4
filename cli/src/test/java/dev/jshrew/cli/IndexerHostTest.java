package dev.jshrew.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.host.GuestCallException;
import dev.jshrew.host.Indexer;
import dev.jshrew.host.IndexerHost;
import dev.jshrew.host.ResetMode;
import dev.jshrew.host.Storages;
import dev.jshrew.host.ViewRunner;
import dev.jshrew.memory.CommittedMemoryProvider;
import dev.jshrew.tck.EngineConformanceTest;
import dev.jshrew.tck.Fixtures;
import dev.jshrew.tck.Harness;
import dev.jshrew.tck.Script;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one factory that wires engine, module and store: what it opens, in which order, and what it closes. */
class IndexerHostTest {
    private static final String PROBE = "wat/probe.wasm";

    @TempDir
    Path temp;

    private static IndexerHost.Builder probe(Path db) {
        return IndexerHost.builder()
                .engine("chicory", Map.of(), new CommittedMemoryProvider())
                .module("probe.wasm", Fixtures.guest(PROBE))
                .store(db)
                .runOptions(Harness.testOptions(ResetMode.FAST));
    }

    @Test
    void theModuleKnowsItsEngineAndTheRunnersShareTheStore() {
        try (IndexerHost host = probe(temp.resolve("db")).open()) {
            assertThat(host.module().engine()).isSameAs(host.engine());
            assertThat(host.module().engine().capabilities()).isNotEmpty();
            Indexer indexer = host.newIndexer(s -> {});
            indexer.indexBlock(
                    0, Script.of().flush(EngineConformanceTest.flush("k", "v")).block());
            assertThat(host.store().tip()).hasValue(0);
            ViewRunner views = host.newViewRunner(s -> {});
            assertThatThrownBy(() -> views.view("nosuchview", new byte[0], 0))
                    .isInstanceOfSatisfying(
                            GuestCallException.class,
                            e -> assertThat(e.stage()).isEqualTo(GuestCallException.Stage.VIEW_MISSING));
        }
    }

    @Test
    void anUnknownEngineFailsBeforeTheStoreIsOpened() {
        Path db = temp.resolve("never");
        assertThatThrownBy(() -> IndexerHost.builder()
                        .engine("no-such-engine", Map.of(), new CommittedMemoryProvider())
                        .module("probe.wasm", Fixtures.guest(PROBE))
                        .store(db)
                        .open())
                .isInstanceOfSatisfying(
                        JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ENGINE_UNAVAILABLE));
        assertThat(Files.exists(db)).as("no database directory was created").isFalse();
    }

    @Test
    void aModuleThatDoesNotCompileClosesTheStoreItOpened() {
        Path db = temp.resolve("db");
        assertThatThrownBy(() -> IndexerHost.builder()
                        .engine("chicory", Map.of(), new CommittedMemoryProvider())
                        .module("junk.wasm", new byte[] {0, 'a', 's', 'm', 9, 9})
                        .store(db)
                        .open())
                .isInstanceOfSatisfying(
                        JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MODULE_INVALID));
        // RocksDB holds a lock while open: opening again proves the failed host released it
        try (var store = Storages.open(db)) {
            assertThat(store.tip()).isEmpty();
        }
    }

    @Test
    void closeClosesEveryRunnerThenTheStore() {
        Path db = temp.resolve("db");
        Indexer indexer;
        try (IndexerHost host = probe(db).open()) {
            indexer = host.newIndexer(s -> {});
            indexer.indexBlock(
                    0, Script.of().flush(EngineConformanceTest.flush("k", "v")).block());
        }
        assertThatThrownBy(() -> indexer.indexBlock(
                        1,
                        Script.of().flush(EngineConformanceTest.flush("k", "w")).block()))
                .as("the indexer's instance was closed with the host")
                .isInstanceOf(RuntimeException.class);
        try (var store = Storages.open(db)) {
            assertThat(store.tip()).hasValue(0);
        }
    }
}
