package dev.jshrew.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.host.CrashPoint;
import dev.jshrew.host.Hashes;
import dev.jshrew.host.Indexer;
import dev.jshrew.host.StateRoot;
import dev.jshrew.node.chain.FakeBitcoind;
import dev.jshrew.node.chain.RegtestChain;
import dev.jshrew.tck.Fixtures;
import dev.jshrew.tck.Harness;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.LongFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety end to end: {@code jshrew index --daemon-rpc-url} in a child JVM is killed with SIGKILL at 26 exact
 * points (before a block runs, inside the guest's {@code __flush}, before and after the commit, around a reorg's
 * rollback; {@code -Djshrew.test.crashAt}, see {@link CrashPoint}) and at 4 random moments, restarted each time,
 * and must end with exactly the hashes, roots and per-block dumps of a run that was never killed. After every kill
 * the database holds whole blocks only: the tip is the last block whose commit returned, and the metadata the
 * first block commits (indexer SHA-256, memory limit, first height) is there exactly when that block is.
 */
class CrashCliTest {
    @TempDir
    Path temp;

    static LongFunction<List<RegtestChain.Output>> outputs(String branch, int n) {
        return h -> {
            List<RegtestChain.Output> list = new ArrayList<>();
            list.add(new RegtestChain.Output(50_0000_0000L, new byte[] {0x51}));
            for (int i = 0; i < n; i++) {
                list.add(new RegtestChain.Output(i, RegtestChain.p2pkh(branch + "/" + h + "/" + i)));
            }
            return list;
        };
    }

    String[] index(FakeBitcoind fake, Path db, long exitAt) {
        return new String[] {
            "index",
            "--engine",
            "chicory",
            "--indexer",
            CliTest.indexer(),
            "--db",
            db.toString(),
            "--daemon-rpc-url",
            fake.url().toString(),
            "--exit-at",
            Long.toString(exitAt),
            "--memory-commit",
            "64m",
            "--poll-interval-ms",
            "50",
            "--retry-initial-delay-ms",
            "50",
            "--progress",
            "off"
        };
    }

    static void copyTree(Path from, Path to) throws java.io.IOException {
        try (var files = java.nio.file.Files.walk(from)) {
            for (Path f : files.toList()) {
                java.nio.file.Files.copy(f, to.resolve(from.relativize(f).toString()));
            }
        }
    }

    /** {@link #index} without {@code --exit-at}: the node follows bitcoind until it is killed. */
    String[] following(FakeBitcoind fake, Path db) {
        List<String> args = new java.util.ArrayList<>(List.of(index(fake, db, 0)));
        int at = args.indexOf("--exit-at");
        args.remove(at + 1);
        args.remove(at);
        return args.toArray(String[]::new);
    }

    /** Runs the child until it reaches {@code point}, kills it with SIGKILL, and returns the tip it left. */
    long killAt(FakeBitcoind fake, Path db, long exitAt, String point) throws Exception {
        try (ChildJshrew child =
                ChildJshrew.start(List.of("-D" + CrashPoint.PROPERTY + "=" + point), index(fake, db, exitAt))) {
            child.awaitErr("jshrew-test: crash point " + point.replace(":", "\\:") + "$", 120);
            assertThat(child.kill()).isEqualTo(137);
        }
        return tip(db);
    }

    static long tip(Path db) {
        try (KeyValueStore store = Harness.rocksdb().open(db, Map.of())) {
            return store.tip().orElse(-1);
        }
    }

    /** The names of the host's metadata present in the store. */
    static List<String> metadata(Path db) {
        try (KeyValueStore store = Harness.rocksdb().open(db, Map.of())) {
            return Stream.of(Indexer.META_INDEXER, Indexer.META_MEMORY_LIMIT, StateRoot.META_FIRST_HEIGHT)
                    .filter(name -> store.meta(name).isPresent())
                    .toList();
        }
    }

    static List<String> summary(Path db, long upTo) {
        List<String> out = new ArrayList<>();
        try (KeyValueStore store = Harness.rocksdb().open(db, Map.of())) {
            out.add("tip " + store.tip());
            for (long h = 0; h <= upTo; h++) {
                var hash = store.blockHash(h);
                out.add(h + " " + hash.map(Hashes::hex).orElse("-") + " "
                        + store.stateRoot(h).map(Hashes::hex).orElse("-") + " "
                        + Hashes.hex(StateRoot.digest(store.blockWrites(h))));
            }
        }
        return out;
    }

    @Test
    void killedAtAnyPointTheNodeEndsAsIfNeverKilled() throws Exception {
        RegtestChain genesis =
                RegtestChain.startingWith(Fixtures.realBlocks().get(0L).bytes());
        RegtestChain a = genesis.extend(8, "a", outputs("a", 40));
        RegtestChain b = a.prefix(5).extend(5, "b", outputs("b", 40));
        RegtestChain c = b.extend(12, "c", outputs("c", 1500));
        Path db = temp.resolve("db");
        int points = 0;
        try (FakeBitcoind fake = new FakeBitcoind().serve(a)) {
            // Killed before the first block's commit: an empty store, without the metadata that block carries.
            assertThat(killAt(fake, db, 1, "commit:0")).isEqualTo(-1);
            assertThat(metadata(db)).isEmpty();
            points++;
            assertThat(CliTest.jshrew(index(fake, db, 1)).code()).isZero();
            assertThat(metadata(db))
                    .containsExactly(Indexer.META_INDEXER, Indexer.META_MEMORY_LIMIT, StateRoot.META_FIRST_HEIGHT);
            // Branch a: 20 points over blocks 1…5. Each child starts at tip h-1, so block h is its first block and no
            // overlapped commit is in flight when it runs: the tips are exact. The random kills below hit commits in
            // flight (commits overlap the next block by default).
            for (long h = 1; h <= 5; h++) {
                assertThat(killAt(fake, db, 9, "run:" + h)).isEqualTo(h - 1);
                assertThat(killAt(fake, db, 9, "flush:" + h)).isEqualTo(h - 1);
                assertThat(killAt(fake, db, 9, "commit:" + h)).isEqualTo(h - 1);
                assertThat(killAt(fake, db, 9, "committed:" + h)).isEqualTo(h);
                points += 4;
            }
            assertThat(CliTest.jshrew(index(fake, db, 9)).code()).isZero();
            assertThat(tip(db)).isEqualTo(8);

            // Branch b forks at 5: kill around the rollback and during the re-index.
            fake.serve(b);
            assertThat(killAt(fake, db, 11, "rollback:5")).isEqualTo(8);
            assertThat(killAt(fake, db, 11, "rolledback:5")).isEqualTo(5);
            assertThat(killAt(fake, db, 11, "run:6")).isEqualTo(5);
            assertThat(killAt(fake, db, 11, "commit:7")).isEqualTo(6);
            assertThat(killAt(fake, db, 11, "committed:8")).isEqualTo(8);
            points += 5;

            // Branch c (b plus bigger blocks): SIGKILL at random moments while blocks are indexed. Every kill starts
            // from a copy of the database at tip 8, so a whole branch is left to index when the moment comes, and
            // every copy is then finished and must equal a node that was never killed. The children run without
            // --exit-at (they follow bitcoind until killed), so a moment after the last block still kills a live node.
            fake.serve(c);
            Path base = temp.resolve("tip-8");
            copyTree(db, base);
            // A node that was never killed and only ever saw branch c.
            Path never = temp.resolve("never-killed");
            assertThat(CliTest.jshrew(index(fake, never, c.size())).code()).isZero();
            Random random = new Random(42);
            for (int i = 0; i < 4; i++) {
                Path copy = temp.resolve("random-" + i);
                copyTree(base, copy);
                try (ChildJshrew child = ChildJshrew.start(List.of(), following(fake, copy))) {
                    child.awaitErr("syncing from", 60);
                    Thread.sleep(50 + random.nextInt(700));
                    assertThat(child.kill()).isEqualTo(137);
                }
                long left = tip(copy);
                System.out.println("random SIGKILL " + i + " left tip " + left);
                assertThat(left).isBetween(8L, c.tip());
                assertThat(CliTest.jshrew(index(fake, copy, c.size())).code()).isZero();
                assertThat(summary(copy, c.tip() + 2)).isEqualTo(summary(never, c.tip() + 2));
                points++;
            }
            assertThat(CliTest.jshrew(index(fake, db, c.size())).code()).isZero();
        }
        assertThat(points).isGreaterThanOrEqualTo(30);

        // The node killed at every named point ends like one that was never killed and only ever saw branch c.
        Path clean = temp.resolve("never-killed");
        assertThat(summary(db, c.tip() + 2)).isEqualTo(summary(clean, c.tip() + 2));
        // The dumps through the CLI agree too.
        for (long h : new long[] {0, 5, 6, c.tip()}) {
            assertThat(CliTest.jshrew("dump", "--db", db.toString(), "--height", Long.toString(h))
                            .out())
                    .isEqualTo(CliTest.jshrew("dump", "--db", clean.toString(), "--height", Long.toString(h))
                            .out());
        }
    }
}
