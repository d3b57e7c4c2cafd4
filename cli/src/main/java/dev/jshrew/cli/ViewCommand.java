package dev.jshrew.cli;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.storage.StorageProvider;
import dev.jshrew.host.Hashes;
import dev.jshrew.host.IndexerHost;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "view", description = "Call a view function at a height and print its result as lowercase hex.")
final class ViewCommand implements Callable<Integer> {
    @Mixin
    EngineArgs args;

    @Option(names = "--function", required = true, paramLabel = "NAME", description = "the view: an export () -> i32")
    String function;

    @Option(
            names = "--input",
            required = true,
            paramLabel = "HEX",
            description = "view input as hex (0x optional); the host prepends u32le(height)")
    String input;

    @Option(names = "--height", paramLabel = "H", description = "height to read at (default: the database tip)")
    Long height;

    @Option(
            names = "--view-timeout",
            paramLabel = "DURATION",
            defaultValue = "0",
            description = "longest the view may run before it fails (default ${DEFAULT-VALUE}; 0: no limit; e.g. 30s)")
    String viewTimeout;

    @Override
    public Integer call() {
        byte[] in;
        try {
            in = Hashes.parseHex(input);
        } catch (IllegalArgumentException e) {
            throw new JshrewException(ErrorCode.INPUT, "--input is not hex: " + e.getMessage(), e);
        }
        // A one-off view commits nothing by default: committing 4 GiB for one call costs seconds and proves nothing
        // the indexer's commit did not. An explicit --memory-commit still applies.
        if (args.memoryCommit == null) {
            args.memoryCommit = "off";
        }
        args.viewTimeout = EngineArgs.parseTimeout("--view-timeout", viewTimeout);
        try (IndexerHost host = args.openHost(args.runOptions(), StorageProvider.Access.READ_ONLY)) {
            long at = height != null ? height : host.store().tip().orElse(0);
            System.out.println(Hashes.hex(host.newViewRunner(System.err::print).view(function, in, at)));
        }
        return 0;
    }
}
