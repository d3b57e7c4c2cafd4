package dev.jshrew.cli;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code jshrew}: index, dump and query metashrew indexers on the JVM. */
@Command(
        name = "jshrew",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "A metashrew-compatible Bitcoin indexer host for the JVM with pluggable WebAssembly engines.",
        subcommands = {
            EnginesCommand.class,
            IndexCommand.class,
            DumpCommand.class,
            ViewCommand.class,
            ServeCommand.class,
            DiffCommand.class,
            DevnetCommand.class
        })
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        // --engine graalwasm needs the Graal JIT: run the command in a JVM that has it (see GraalLauncher)
        GraalLauncher.exitWithLauncher();
        java.util.OptionalInt relaunched = GraalLauncher.relaunchIfNeeded(args);
        System.exit(relaunched.isPresent() ? relaunched.getAsInt() : run(args));
    }

    /** Runs the CLI and returns the exit status (0 on success; {@link ErrorCode#exitCode()} on a jshrew failure). */
    public static int run(String... args) {
        Logging.configure();
        CommandLine cli = new CommandLine(new Main());
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
        return cli.execute(args);
    }

    private static JshrewException find(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JshrewException j) {
                return j;
            }
        }
        return null;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"jshrew " + (v == null ? "dev" : v)};
        }
    }
}
