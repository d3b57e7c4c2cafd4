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
 * snapshot options (not implemented yet; in the original they select a mode that never acts) and the read-through
 * fork database (not supported).
 */
final class MonoCompatArgs {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(
            names = "--snapshot-directory",
            paramLabel = "DIR",
            description = "rockshrew-mono's snapshot directory: not implemented yet (the command stops)")
    Path snapshotDirectory;

    @Option(
            names = "--snapshot-interval",
            paramLabel = "N",
            description = "rockshrew-mono's snapshot interval: not implemented yet (the command stops)")
    Long snapshotInterval;

    @Option(
            names = "--repo",
            paramLabel = "URL",
            description = "rockshrew-mono's snapshot repository: not implemented yet (the command stops)")
    String repo;

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
        List<String> given = new ArrayList<>();
        if (snapshotDirectory != null) {
            given.add("--snapshot-directory");
        }
        if (snapshotInterval != null) {
            given.add("--snapshot-interval");
        }
        if (repo != null) {
            given.add("--repo");
        }
        List<String> problems = new ArrayList<>();
        if (!given.isEmpty()) {
            problems.add(String.join(", ", given) + ": snapshots are not implemented yet in jshrew; "
                    + "run without the snapshot options (in rockshrew-mono they have no effect either)");
        }
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
