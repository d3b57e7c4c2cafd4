package dev.jshrew.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.host.abi.FlushDecoder;
import dev.jshrew.tck.Script;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jshrew diff}: two databases, two indexers, one indexer on two engine configurations. */
class DiffCliTest {
    @TempDir
    Path temp;

    static String probe(String name) {
        return CliTest.repo().resolve("guests/wat/" + name).toString();
    }

    static byte[] flush(String k, String v) {
        return FlushDecoder.encode(
                List.of(new FlushDecoder.Pair(k.getBytes(StandardCharsets.UTF_8), v.getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void sameIndexerOnTwoEngineConfigurationsHasNoDifference() {
        CliTest.Run r = CliTest.jshrew(
                "diff",
                "--indexer",
                CliTest.indexer(),
                "--engine",
                "chicory",
                "--engine2",
                "chicory",
                "--engine2-option",
                "mode=interpreter",
                "--blocks",
                CliTest.repo().resolve("sample/blocks").toString(),
                "--exit-at",
                "840243");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("no difference in 2 block(s)\n");
    }

    @Test
    void twoIndexersThatDisagreeReportTheFirstBlockAndKey() throws Exception {
        // probe and probe-max40 agree until a block grows memory past 40 pages: then the observed grow result differs.
        Path blocks = Files.createDirectory(temp.resolve("blocks"));
        Files.writeString(
                blocks.resolve("p-0.hex"),
                HexFormat.of().formatHex(Script.of().flush(flush("a", "1")).block(0)));
        Files.writeString(
                blocks.resolve("p-1.hex"),
                HexFormat.of().formatHex(Script.of().grow(10).obsFlush("g").block(1)));
        Files.writeString(
                blocks.resolve("p-2.hex"),
                HexFormat.of()
                        .formatHex(Script.of()
                                .grow(50)
                                .obsFlush("g")
                                .flush(flush("z", "9"))
                                .block(2)));
        Path work = temp.resolve("work");
        CliTest.Run r = CliTest.jshrew(
                "diff",
                "--engine",
                "chicory",
                "--indexer",
                probe("probe.wasm"),
                "--indexer2",
                probe("probe-max40.wasm"),
                "--blocks",
                blocks.toString(),
                "--work-dir",
                work.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.out())
                .startsWith("first difference at height 2, key "
                        + HexFormat.of().formatHex("g".getBytes(StandardCharsets.US_ASCII)) + ": A=");
        // The kept databases differ the same way through the database mode, and agree up to height 1.
        CliTest.Run dbs = CliTest.jshrew(
                "diff",
                "--db1",
                work.resolve("a").toString(),
                "--db2",
                work.resolve("b").toString());
        assertThat(dbs.code()).isEqualTo(1);
        assertThat(dbs.out()).isEqualTo(r.out());
        CliTest.Run upTo1 = CliTest.jshrew(
                "diff",
                "--db1",
                work.resolve("a").toString(),
                "--db2",
                work.resolve("b").toString(),
                "--to",
                "1");
        assertThat(upTo1.code()).isZero();
        assertThat(upTo1.out()).isEqualTo("no difference in 2 block(s)\n");
    }
}
