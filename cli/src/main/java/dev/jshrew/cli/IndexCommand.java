package dev.jshrew.cli;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "index",
        description = {
            "Index blocks into the database in ascending height: from block files (--blocks), "
                    + "or following bitcoind (--daemon-rpc-url) with reorg handling.",
            "Heights already indexed are skipped, so a rerun resumes. With bitcoind it runs "
                    + "until --exit-at (or a stop signal)."
        })
final class IndexCommand implements Callable<Integer> {
    private static final Logger LOG = System.getLogger("jshrew.index");

    @Mixin
    EngineArgs args;

    @Mixin
    NodeArgs node;

    @Mixin
    MonoCompatArgs mono;

    @Mixin
    SnapshotArgs snapshots;

    @Mixin
    UpgradeArgs upgrade;

    @Option(
            names = "--metrics-host",
            paramLabel = "HOST",
            defaultValue = "127.0.0.1",
            description = "address of the --metrics-port endpoint (default ${DEFAULT-VALUE})")
    String metricsHost;

    @Override
    public Integer call() throws InterruptedException {
        mono.refuseUnsupported();
        snapshots.bootstrap(args.db);
        try (NodeSession session = new NodeSession(args, node, upgrade, 0, metricsHost)) {
            var schedule = snapshots.schedule(session.store);
            if (schedule != null) {
                session.addListener(schedule, schedule);
            }
            long tip = session.state.tip();
            if (session.source instanceof BlockFilesSource files) {
                long next = dev.jshrew.node.sync.Sync.startHeight(tip, node.startBlock);
                long exit = node.exitAt == null ? Long.MAX_VALUE : node.exitAt;
                LOG.log(
                        Level.INFO,
                        "{0} block file(s), {1} to index (database tip: {2}), engine {3}, reset {4}",
                        files.size(),
                        files.blocksBetween(next, exit, 0),
                        tip < 0 ? "empty" : tip,
                        session.host.engine().name(),
                        session.runOptions.reset().name().toLowerCase(Locale.ROOT));
            }
            long started = System.nanoTime();
            long done = session.sync();
            long end = session.state.tip();
            LOG.log(
                    Level.INFO,
                    String.format(
                            Locale.ROOT,
                            "indexed %d block(s) in %.2f s; tip %s",
                            done,
                            (System.nanoTime() - started) / 1e9,
                            end < 0 ? "none" : Long.toString(end)));
        }
        return 0;
    }
}
