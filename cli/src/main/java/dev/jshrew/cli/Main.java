package dev.jshrew.cli;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code jshrew}: index, dump and query metashrew indexers on the JVM.
 *
 * <p>What holds for every command, including ones added later, is set here once: {@code -h/--help}, {@code
 * -V/--version}, {@code --config} and {@code --log-level} are inherited by every subcommand ({@code scope =
 * INHERIT}); {@code help COMMAND…} is {@link HelpCommand}; option values missing from the
 * command line come from the environment or the config file ({@link CliDefaults}).
 */
@Command(
        name = "jshrew",
        mixinStandardHelpOptions = true,
        scope = ScopeType.INHERIT,
        versionProvider = Main.Version.class,
        description = "A metashrew-compatible Bitcoin indexer host for the JVM with pluggable WebAssembly engines.",
        subcommands = {
            EnginesCommand.class,
            IndexCommand.class,
            DumpCommand.class,
            ViewCommand.class,
            ServeCommand.class,
            DiffCommand.class,
            RollbackCommand.class,
            InfoCommand.class,
            SnapshotCommand.class,
            DevnetCommand.class,
            HelpCommand.class
        })
public final class Main {
    @Option(
            names = CliDefaults.CONFIG,
            paramLabel = "FILE",
            scope = ScopeType.INHERIT,
            description = "read option values from FILE (properties: option-name = value, lists comma-separated);"
                    + " the command line, then JSHREW_<OPTION> environment variables, win over it."
                    + " Also JSHREW_CONFIG")
    Path config;

    @Option(
            names = CliDefaults.LOG_LEVEL,
            paramLabel = "LEVEL|LOGGER=LEVEL",
            scope = ScopeType.INHERIT,
            description = "log level of jshrew's loggers (default INFO; ERROR, WARN, INFO, DEBUG, TRACE or the"
                    + " java.util.logging names), or of another logger and its children, e.g."
                    + " org.eclipse.jetty=INFO (all others log at WARN)")
    List<String> logLevels;

    private Main() {}

    public static void main(String[] args) {
        // --engine graalwasm needs the Graal JIT: run the command in a JVM that has it (see GraalLauncher)
        GraalLauncher.exitWithLauncher();
        java.util.OptionalInt relaunched = GraalLauncher.relaunchIfNeeded(args);
        System.exit(relaunched.isPresent() ? relaunched.getAsInt() : run(args));
    }

    /** Runs the CLI and returns the exit status (0 on success; {@link ErrorCode#exitCode()} on a jshrew failure). */
    public static int run(String... args) {
        return run(System.getenv(), args);
    }

    /** {@link #run(String...)} with this environment (tests give their own). */
    static int run(Map<String, String> env, String... args) {
        CliDefaults defaults;
        String[] effective;
        CommandLine cli;
        try {
            defaults = CliDefaults.load(args, env);
            Logging.configure(defaults.logLevels(args));
            cli = commandLine(defaults);
            defaults.checkKeys(cli);
            effective = defaults.isEmpty() ? args : defaults.withRepeatables(commandLine(defaults), args);
        } catch (JshrewException e) {
            System.err.println("jshrew: " + e.getMessage().replace('\n', ' '));
            return e.code().exitCode();
        }
        return cli.execute(effective);
    }

    /** The command tree with its defaults and error handling; {@code execute} it once. */
    static CommandLine commandLine(CliDefaults defaults) {
        CommandLine cli = new CommandLine(new Main());
        cli.setDefaultValueProvider(defaults);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            JshrewException j = find(e);
            if (j != null) {
                commandLine.getErr().println("jshrew: " + j.getMessage().replace('\n', ' '));
                return j.code().exitCode();
            }
            commandLine.getErr().println("jshrew: " + e);
            e.printStackTrace(commandLine.getErr());
            return 1;
        });
        return cli;
    }

    private static JshrewException find(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JshrewException j) {
                return j;
            }
        }
        return null;
    }

    /**
     * {@code jshrew VERSION (commit ABBREV)} and the Java runtime, from {@code version.properties}, which
     * the build fills in (the project's version; the commit from git-commit-id-maven-plugin). Built without a
     * {@code .git} (from a source archive), the commit reads "unknown".
     */
    static final class Version implements CommandLine.IVersionProvider {
        static final String RESOURCE = "version.properties";

        @Override
        public String[] getVersion() {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream(RESOURCE)) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                // reported as unknown below
            }
            return lines(p);
        }

        /** The version lines for these properties (unfiltered or missing values read "unknown"). */
        static String[] lines(Properties p) {
            String version = known(p.getProperty("version"));
            String commit = known(p.getProperty("commit"));
            return new String[] {
                "jshrew " + (version == null ? "unknown" : version) + " (commit "
                        + (commit == null ? "unknown" : commit) + ")",
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ", "
                        + System.getProperty("java.vendor") + ")"
            };
        }

        /** Null for a missing or unfiltered ({@code ${...}}) value. */
        private static String known(String value) {
            return value == null || value.isBlank() || value.startsWith("${") ? null : value.strip();
        }
    }
}
