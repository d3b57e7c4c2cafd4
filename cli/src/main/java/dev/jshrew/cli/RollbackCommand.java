package dev.jshrew.cli;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.host.Hashes;
import dev.jshrew.host.IndexerHistory;
import dev.jshrew.host.Storages;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jshrew rollback}: rockshrew-rollback's command (METASHREW-ABI §6.4, §4) over jshrew's store: keeps the blocks
 * at heights ≤ H and removes everything above, in one atomic batch ({@code BlockWriter.rollbackTo}).
 */
@Command(
        name = "rollback",
        description = {
            "Roll the database back to height H: every block at a height <= H stays, every block above H "
                    + "(H+1 up to the tip) is removed with its writes, hash and state root, in one atomic batch; "
                    + "the tip becomes the highest indexed height <= H. H must be below the indexed tip.",
            "Prints what it will do and asks for 'yes' on stdin unless --yes. Refused, with nothing written, while "
                    + "a node (index/serve) holds the database: stop it first. An indexer upgrade above H is undone "
                    + "with its blocks (the indexer pinned at H is pinned again)."
        })
final class RollbackCommand implements Callable<Integer> {
    @Mixin
    DatabaseDir database;

    @Option(
            names = "--height",
            required = true,
            paramLabel = "H",
            description = "the highest height that stays (0 <= H < tip)")
    long height;

    @Option(names = "--yes", description = "do not ask for confirmation")
    boolean yes;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        refuseWhileLocked();
        long tip;
        try (KeyValueStore store = EngineArgs.openStoreReadOnly(database.db)) {
            tip = checkRange(store);
            out.println("database " + database.db + ": tip " + tip + " (block "
                    + store.blockHash(tip).map(Hashes::hex).orElse("?") + ")");
            out.println("rollback to " + height + ": keeps every block at heights <= " + height
                    + ", removes every block at heights " + (height + 1) + "…" + tip
                    + " (writes, hashes, state roots) in one atomic batch");
            List<IndexerHistory.Entry> undone = IndexerHistory.of(store)
                    .map(h -> h.entries().stream()
                            .filter(e -> e.height() > height)
                            .toList())
                    .orElse(List.of());
            if (!undone.isEmpty()) {
                IndexerHistory.Entry kept =
                        IndexerHistory.of(store).orElseThrow().at(height);
                out.println("undoes the indexer upgrade(s) at "
                        + undone.stream().map(IndexerHistory.Entry::toString).toList()
                        + ": the indexer with sha256 " + kept.sha256Hex() + " is pinned again");
            }
        }
        if (!yes && !confirmed(out)) {
            out.println("aborted: nothing changed");
            return 1;
        }
        refuseWhileLocked(); // a node may have started while we asked
        try (KeyValueStore store = Storages.open(database.db)) {
            checkRange(store);
            store.rollbackTo(height);
            OptionalLong now = store.tip();
            out.println("rolled back: tip " + (now.isPresent() ? Long.toString(now.getAsLong()) : "none") + " (was "
                    + tip + ")");
        }
        return 0;
    }

    /** The tip, when {@code height} is in range (0 ≤ H < tip). */
    private long checkRange(KeyValueStore store) {
        OptionalLong tip = store.tip();
        if (tip.isEmpty()) {
            throw new JshrewException(
                    ErrorCode.INPUT, "the database " + database.db + " has no block: nothing to roll back");
        }
        if (height < 0 || height >= tip.getAsLong()) {
            throw new JshrewException(
                    ErrorCode.INPUT,
                    "--height must be 0 <= H < the indexed tip " + tip.getAsLong() + ", not " + height
                            + " (the blocks at heights <= H stay)");
        }
        return tip.getAsLong();
    }

    private void refuseWhileLocked() {
        DatabaseLock.refuseWhileHeld(
                database.db, " (it holds " + database.db.resolve("LOCK") + "): stop the node first; nothing changed");
    }

    private static boolean confirmed(PrintStream out) {
        out.print("Type 'yes' to continue: ");
        out.flush();
        try {
            // not closed: System.in belongs to the process
            @SuppressWarnings("resource")
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String answer = in.readLine();
            out.println();
            return answer != null && answer.strip().toLowerCase(Locale.ROOT).equals("yes");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
