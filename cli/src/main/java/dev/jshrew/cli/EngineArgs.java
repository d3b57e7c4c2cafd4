package dev.jshrew.cli;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.KeyFilter;
import dev.jshrew.api.engine.MemoryLimits;
import dev.jshrew.api.engine.ValueTable;
import dev.jshrew.api.memory.MemorySize;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.api.storage.StorageProvider;
import dev.jshrew.host.IndexerHost;
import dev.jshrew.host.ResetMode;
import dev.jshrew.host.RunOptions;
import dev.jshrew.host.Storages;
import dev.jshrew.memory.CommittedMemoryProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options shared by the commands that run an indexer: engine, module, database, memory. */
final class EngineArgs {
    @Option(
            names = "--engine",
            paramLabel = "NAME",
            description = "WebAssembly engine (see `jshrew engines`); default ${DEFAULT-VALUE}: the fastest"
                    + " installed (wasmtime, then graalwasm, then chicory)")
    String engine;

    @Option(
            names = {"-E", "--engine-option"},
            paramLabel = "KEY=VALUE",
            description = "engine option, e.g. -E mode=interpreter for chicory")
    Map<String, String> engineOptions = new LinkedHashMap<>();

    @Option(
            names = "--storage-option",
            paramLabel = "KEY=VALUE",
            description = "RocksDB store option: block-cache-mb (default 256), write-buffer-mb (64), background-jobs"
                    + " (2); e.g. --storage-option block-cache-mb=2048 on a machine with memory to spare")
    Map<String, String> storageOptions = new LinkedHashMap<>();

    @Option(names = "--indexer", required = true, paramLabel = "FILE.wasm", description = "the indexer module")
    Path indexer;

    @Option(
            names = {"--db", "--db-path"},
            required = true,
            paramLabel = "DIR",
            description = "RocksDB directory (created if missing; --db-path: rockshrew-mono's name)")
    Path db;

    @Option(
            names = "--label",
            paramLabel = "S",
            description = "rockshrew-mono's --label: the indexer's keys are stored under S:// (no ':' in S); "
                    + "the database records it and refuses another label")
    String label;

    @Option(
            names = "--memory-commit",
            paramLabel = "SIZE|off",
            description = "guest memory to commit physically at startup (4g, 512m, ...); off commits nothing."
                    + " Default: the guest memory limit (4g) for index and serve, off for view")
    String memoryCommit;

    @Option(
            names = "--reset",
            paramLabel = "fast|fresh",
            defaultValue = "fast",
            description = "between blocks: fast (in-place reset of the committed instance) or fresh "
                    + "(new, uncommitted instance per block: the reference behaviour); default ${DEFAULT-VALUE}")
    String reset;

    @Option(
            names = "--guest-memory-limit",
            paramLabel = "PAGES",
            defaultValue = "65536",
            description = "the most 64 KiB pages a guest may have (deterministic configuration; default "
                    + "${DEFAULT-VALUE}; 65536 = 4 GiB)")
    int guestMemoryLimit;

    @Option(
            names = "--key-filter",
            paramLabel = "SIZE|off",
            defaultValue = "64m",
            description = "the most memory the indexer's filter of stored keys may take (held twice: the host's copy"
                    + " and the engine's; sized to the keys, from 8k); wasmtime answers a read of a key surely"
                    + " absent in guest code, without a host call; off: none. Changes no result; default"
                    + " ${DEFAULT-VALUE}")
    String keyFilter = "64m";

    @Option(
            names = "--read-cache",
            paramLabel = "SIZE|off",
            defaultValue = "64m",
            description = "the most memory the indexer's cache of the values its blocks read lately may take (on the"
                    + " JVM's heap; kept up to date with every block's writes): a read of a key in it skips the"
                    + " store; off: none. Changes no result; default ${DEFAULT-VALUE}")
    String readCache = "64m";

    @Option(
            names = "--value-table",
            paramLabel = "SIZE|off",
            defaultValue = "80m",
            description = "with the read cache and the key filter, on an engine that can (wasmtime): the most memory"
                    + " the table of cached values of up to 128 bytes (keys of 4 to 128) that guest code reads may"
                    + " take, so such a read costs no host call (280-byte slots, rounded down to a power of two of"
                    + " them; held twice: the host's and the engine's copy; at least 280k); off: none. Changes no"
                    + " result; default ${DEFAULT-VALUE}")
    String valueTable = "80m";

    /** Set by the commands that run views ({@code serve}, {@code view}) from their {@code --view-timeout}. */
    Duration viewTimeout = Duration.ZERO;

    /** Set by {@code serve} from its {@code --view-memory}: each view instance's budget in bytes (0: none). */
    long viewMemory;

    /** {@code --view-memory}: {@code off} (0) or a size of whole 64 KiB pages. */
    static long parseViewMemory(String text) {
        long bytes = sizeOrOff("--view-memory", text);
        if (bytes == 0 && text.trim().equalsIgnoreCase("off")) {
            return 0;
        }
        if (bytes < MemoryLimits.PAGE_SIZE || bytes % MemoryLimits.PAGE_SIZE != 0) {
            throw new JshrewException(
                    ErrorCode.INPUT,
                    "--view-memory must be off or a whole number of 64 KiB pages (64k, 512m, 1g), not '" + text + "'");
        }
        return bytes;
    }

    /**
     * A timeout as operators write it: {@code 0} (none), {@code 250ms}, {@code 30s}, {@code 2m}, or ISO-8601
     * ({@code PT30S}).
     */
    static Duration parseTimeout(String option, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            Duration d;
            if (t.equals("0")) {
                d = Duration.ZERO;
            } else if (t.startsWith("pt")) {
                d = Duration.parse(t);
            } else if (t.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            } else if (t.endsWith("s")) {
                d = Duration.ofMillis(new java.math.BigDecimal(t.substring(0, t.length() - 1))
                        .movePointRight(3)
                        .longValueExact());
            } else if (t.endsWith("m")) {
                d = Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            } else {
                throw new IllegalArgumentException("no unit");
            }
            if (d.isNegative()) {
                throw new IllegalArgumentException("negative");
            }
            return d;
        } catch (RuntimeException e) {
            throw new JshrewException(
                    ErrorCode.INPUT,
                    option + " must be 0 (none) or a duration such as 500ms, 30s or 2m, not '" + text + "'",
                    e);
        }
    }

    RunOptions runOptions() {
        if (guestMemoryLimit < 1 || guestMemoryLimit > MemoryLimits.MAX_PAGES) {
            throw new JshrewException(
                    ErrorCode.INPUT, "--guest-memory-limit must be 1..65536 pages, not " + guestMemoryLimit);
        }
        long limitBytes = (long) guestMemoryLimit * MemoryLimits.PAGE_SIZE;
        long commit;
        try {
            commit = memoryCommit == null ? limitBytes : MemorySize.parse(memoryCommit);
        } catch (IllegalArgumentException e) {
            throw new JshrewException(ErrorCode.INPUT, "--memory-commit: " + e.getMessage(), e);
        }
        ResetMode mode = switch (reset.toLowerCase(Locale.ROOT)) {
            case "fast" -> ResetMode.FAST;
            case "fresh" -> ResetMode.FRESH;
            default -> throw new JshrewException(ErrorCode.INPUT, "--reset must be fast or fresh, not '" + reset + "'");
        };
        return new RunOptions(
                guestMemoryLimit,
                Math.min(commit, limitBytes),
                mode,
                viewTimeout,
                viewMemory,
                parseKeyFilter(keyFilter),
                parseReadCache(readCache),
                parseValueTable(valueTable));
    }

    /** A size option's bytes ({@code 64k}, {@code 512m}, …), or 0 for {@code off}. */
    private static long sizeOrOff(String option, String text) {
        if (text.trim().equalsIgnoreCase("off")) {
            return 0;
        }
        try {
            return MemorySize.parse(text);
        } catch (IllegalArgumentException e) {
            throw new JshrewException(ErrorCode.INPUT, option + ": " + e.getMessage(), e);
        }
    }

    /** {@code --key-filter}: {@code off} (0) or a size of at least 8 KiB ({@link KeyFilter}'s smallest). */
    static long parseKeyFilter(String text) {
        return offOrAtLeast("--key-filter", text, 8L << KeyFilter.MIN_LOG2_WORDS, "8k");
    }

    /** {@code --value-table}: {@code off} (0) or a size of at least its smallest table (1,024 slots). */
    static long parseValueTable(String text) {
        return offOrAtLeast("--value-table", text, (long) ValueTable.SLOT_BYTES << ValueTable.MIN_LOG2_SLOTS, "280k");
    }

    /** {@code --read-cache}: {@code off} (0) or a size of at least 1 MiB. */
    static long parseReadCache(String text) {
        return offOrAtLeast("--read-cache", text, 1L << 20, "1m");
    }

    /** A size option that is {@code off} (0) or at least {@code smallest} bytes (written {@code smallestText}). */
    private static long offOrAtLeast(String option, String text, long smallest, String smallestText) {
        long bytes = sizeOrOff(option, text);
        if (bytes == 0 && text.trim().equalsIgnoreCase("off")) {
            return 0;
        }
        if (bytes < smallest) {
            throw new JshrewException(
                    ErrorCode.INPUT,
                    option + " must be off or at least " + smallestText + " (64m, 256m, 1g), not '" + text + "'");
        }
        return bytes;
    }

    /** Engine, module and a writable store wired with these options: what {@code index} and {@code serve} run on. */
    IndexerHost openHost(RunOptions options) {
        return openHost(options, StorageProvider.Access.READ_WRITE);
    }

    /** Engine, module and store wired with these options; {@code view} opens the store read-only. */
    IndexerHost openHost(RunOptions options, StorageProvider.Access access) {
        return IndexerHost.builder()
                .engine(engine, engineOptions, new CommittedMemoryProvider())
                .module(indexer.getFileName().toString(), moduleBytes())
                .store(db, access)
                .storageOptions(storageOptions)
                .label(label)
                .runOptions(options)
                .open();
    }

    byte[] moduleBytes() {
        try {
            return Files.readAllBytes(indexer);
        } catch (IOException e) {
            throw new JshrewException(ErrorCode.INPUT, "cannot read indexer " + indexer + ": " + e.getMessage(), e);
        }
    }

    /** Opens {@code db} read-only, for the commands that only read ({@code dump}, {@code diff --db1/--db2}). */
    static KeyValueStore openStoreReadOnly(Path db) {
        return Storages.open(db, StorageProvider.Access.READ_ONLY);
    }
}
