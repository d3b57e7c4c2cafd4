package dev.jshrew.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code _start} that does not return: the node says so while it runs ("block H running for N s"), and SIGTERM
 * still ends the process within the documented bound (the shutdown hook waits 30 s for the block, then exits).
 */
class StuckBlockCliTest {
    @TempDir
    Path temp;

    @Test
    void aBlockThatNeverReturnsIsReportedAndSigtermStillEndsTheProcess() throws Exception {
        Path blocks = Files.createDirectories(temp.resolve("blocks"));
        byte[] block = new byte[84];
        block[80] = block[81] = block[82] = block[83] = (byte) 0xFF; // 4.29 billion million host calls: never returns
        Files.write(blocks.resolve("block-0.bin"), block);
        try (ChildJshrew index = ChildJshrew.start(
                List.of("-Djshrew.block.running.log.ms=200"),
                "index",
                "--engine",
                "chicory",
                "--indexer",
                CliTest.repo().resolve("guests/wat/long-start.wasm").toString(),
                "--db",
                temp.resolve("db").toString(),
                "--blocks",
                blocks.toString())) {
            index.awaitErr("block 0 running for \\d+ s", 60);
            long start = System.nanoTime();
            index.terminate();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took)
                    .as("SIGTERM ends the process within the hook's 30 s bound")
                    .isLessThan(Duration.ofSeconds(45));
            assertThat(index.err()).contains("not stopped after 30 s");
        }
    }
}
