package dev.jshrew.cli;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.devnet.BlockDirectory;
import dev.jshrew.devnet.DevnetChain;
import dev.jshrew.devnet.DevnetServer;
import dev.jshrew.devnet.Synthesizer;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code jshrew devnet serve|synthesize}: a bitcoind-compatible chain for development and tests. */
@Command(
        name = "devnet",
        description = "A bitcoind-compatible chain for development and tests: serve block files over bitcoind's "
                + "JSON-RPC, or synthesize a long chain from real transactions.",
        subcommands = {DevnetCommand.Serve.class, DevnetCommand.Synthesize.class})
final class DevnetCommand implements Runnable {
    private static final Logger LOG = System.getLogger("jshrew.devnet");

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "give a subcommand: serve or synthesize");
    }

    @Command(
            name = "serve",
            description = "Serve the chain in DIR (block files named by height) over bitcoind's JSON-RPC until "
                    + "SIGTERM: getblockcount, getblockhash, getblock (verbosity 0, 1), getbestblockhash, "
                    + "getblockheader, getblockchaininfo, getnetworkinfo, and devnet_reorg [depth].")
    static final class Serve implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(
                names = "--chain",
                required = true,
                paramLabel = "DIR",
                description = "block files named by " + "height (hex or raw)")
        Path chain;

        @Option(names = "--port", required = true, paramLabel = "P", description = "0 picks a free port")
        int port;

        @Option(
                names = "--host",
                defaultValue = "127.0.0.1",
                paramLabel = "ADDRESS",
                description = "bind address (default ${DEFAULT-VALUE})")
        String host;

        @Option(names = "--auth", paramLabel = "USER:PASS", description = "require HTTP Basic auth")
        String auth;

        @Option(
                names = "--cookie-file",
                paramLabel = "F",
                description = "write a fresh __cookie__:HEX there (as bitcoind's .cookie) and accept it")
        Path cookieFile;

        @Option(
                names = "--reorg-at",
                paramLabel = "H",
                description = "when the tip reaches H and a client has fetched block H, replace the last "
                        + "--reorg-depth blocks by a branch one block longer (repeatable)")
        List<Long> reorgAt = new ArrayList<>();

        @Option(
                names = "--reorg-depth",
                paramLabel = "D",
                description = "one per --reorg-at, or one for all (default 1)")
        List<Integer> reorgDepth = new ArrayList<>();

        @Option(
                names = "--blocks-per-second",
                defaultValue = "0",
                paramLabel = "R",
                description = "release blocks gradually from the first (default ${DEFAULT-VALUE}: all at once)")
        double blocksPerSecond;

        @Override
        public Integer call() throws InterruptedException {
            NavigableMap<Long, Integer> reorgs = new TreeMap<>();
            if (reorgDepth.size() > 1 && reorgDepth.size() != reorgAt.size()) {
                throw new ParameterException(
                        spec.commandLine(), "give one --reorg-depth per --reorg-at, or one for all");
            }
            if (!reorgDepth.isEmpty() && reorgAt.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "--reorg-depth needs --reorg-at");
            }
            for (int i = 0; i < reorgAt.size(); i++) {
                int depth = reorgDepth.isEmpty() ? 1 : reorgDepth.get(reorgDepth.size() == 1 ? 0 : i);
                if (reorgs.put(reorgAt.get(i), depth) != null) {
                    throw new JshrewException(ErrorCode.INPUT, "--reorg-at " + reorgAt.get(i) + " given twice");
                }
            }
            DevnetChain devnet = new DevnetChain(BlockDirectory.open(chain), blocksPerSecond, reorgs, System::nanoTime);
            DevnetServer server = DevnetServer.start(devnet, host, port, auth, cookieFile);
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                server.close();
                                stopped.countDown();
                            },
                            "devnet-stop"));
            LOG.log(
                    Level.INFO,
                    "devnet: serving " + chain + " (heights " + devnet.first() + "…, tip " + devnet.tip() + ") at "
                            + server.url());
            stopped.await();
            return 0;
        }
    }

    @Command(
            name = "synthesize",
            description = "Build N blocks from the real transactions in --from, re-chained so every input spends an "
                    + "earlier output of the new chain; the same bytes for the same seed.")
    static final class Synthesize implements Callable<Integer> {
        @Option(names = "--from", required = true, paramLabel = "DIR", description = "block files to draw from")
        Path from;

        @Option(names = "--count", required = true, paramLabel = "N", description = "how many blocks to write")
        int count;

        @Option(
                names = "--seed",
                required = true,
                paramLabel = "S",
                description = "the same seed writes the " + "same bytes")
        long seed;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "a new or empty directory")
        Path out;

        @Option(
                names = "--start-height",
                defaultValue = "0",
                paramLabel = "H",
                description = "height of the first block (default ${DEFAULT-VALUE})")
        long startHeight;

        @Option(
                names = "--block-size",
                defaultValue = "1000000",
                paramLabel = "BYTES",
                description = "target size of each block (default ${DEFAULT-VALUE})")
        int blockSize;

        @Override
        public Integer call() {
            long start = System.nanoTime();
            Synthesizer.Summary s =
                    Synthesizer.run(new Synthesizer.Options(from, count, seed, out, startHeight, blockSize));
            System.out.print(s.describe(out));
            System.out.printf("in %.1f s%n", (System.nanoTime() - start) / 1e9);
            System.out.flush();
            return 0;
        }
    }
}
