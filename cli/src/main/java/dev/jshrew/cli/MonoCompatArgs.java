package dev.jshrew.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * rockshrew-mono's options that jshrew accepts but does not act on (METASHREW-ABI §6.4), so a command line copied
 * from rockshrew-mono stops with a clear usage error (exit 2) instead of running without what it asked for: the
 * read-through fork database (not supported). The snapshot options act: {@link SnapshotArgs}.
 */
final class MonoCompatArgs {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(
            names = "--fork",
            paramLabel = "DIR",
            description = "rockshrew-mono's read-through fork database: not supported (the command stops)")
    Path fork;

    @Option(
            names = "--legacy-fork",
            description = "rockshrew-mono's legacy fork layout: not supported (the command stops)")
    boolean legacyFork;

    /**
     * Stops the command when any of these options was given.
     *
     * @throws ParameterException (exit 2) naming each option given and why it does not run
     */
    void refuseUnsupported() {
        List<String> problems = new ArrayList<>();
        if (fork != null || legacyFork) {
            problems.add((fork != null ? "--fork" : "--legacy-fork")
                    + ": a read-through fork database is not supported by jshrew; "
                    + "index the database from the start instead");
        }
        if (!problems.isEmpty()) {
            throw new ParameterException(spec.commandLine(), String.join("; ", problems));
        }
    }
}
