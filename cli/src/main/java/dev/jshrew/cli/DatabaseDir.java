package dev.jshrew.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --db DIR} (rockshrew-mono's {@code --db-path}) of a command that works on an existing database: a picocli
 * mixin ({@code @Mixin DatabaseDir database}), so every such command names and describes it alike.
 */
final class DatabaseDir {
    @Option(
            names = {"--db", "--db-path"},
            required = true,
            paramLabel = "DIR",
            description = "the database directory (--db-path: rockshrew-mono's name)")
    Path db;
}
