package dev.jshrew.cli;

import java.util.OptionalLong;
import picocli.CommandLine.Option;

/** {@code --upgrade-indexer-at H}: the option {@code index} and {@code serve} use to switch to a new indexer. */
final class UpgradeArgs {
    @Option(
            names = "--upgrade-indexer-at",
            paramLabel = "H",
            description = "switch the database to the --indexer given (a new SHA-256) from height H: a database "
                    + "beyond H-1 is rolled back to H-1 first, and block H records (H, SHA-256) in the database's "
                    + "indexer history in its own commit; views below H need the old indexer. Without it, "
                    + "a changed indexer is refused")
    Long upgradeAt;

    OptionalLong height() {
        return upgradeAt == null ? OptionalLong.empty() : OptionalLong.of(upgradeAt);
    }
}
