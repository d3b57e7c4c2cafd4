package dev.jshrew.cli;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * Gives {@code --engine graalwasm} the Graal JIT from a plain {@code java -jar jshrew.jar}: Truffle compiles guest
 * code only when its jars are named modules on the module path, the Graal compiler is on the upgrade module path and
 * JVMCI is enabled, none of which a jar's manifest can ask for. So when a command names the graalwasm engine, this
 * JVM starts a second one with those options (and this JVM's own options), runs the same command there, waits, and
 * exits with its status. The GraalVM jars are not in {@code jshrew.jar}: the build puts them next to it, in
 * {@code graalvm/modules} and {@code graalvm/compiler}.
 *
 * <p>Nothing happens when the command does not mention graalwasm, when this JVM already is the relaunched one, or
 * already has Truffle as a named module (the distribution's {@code bin/jshrew} starts the JVM with every option
 * itself), or when the jars are not next to the running jar (a warning says what is missing and where it was
 * looked for; {@code jshrew engines} says the same); the engine then says which runtime it got, and refuses to run
 * interpreted unless asked to ({@code -E mode=interpreter}).
 */
final class GraalLauncher {
    private static final Logger LOG = System.getLogger("jshrew.graalwasm");

    /** Set in the relaunched JVM, so it never relaunches again. */
    static final String RELAUNCHED_PROPERTY = "jshrew.graalwasm.relaunched";
    /** The launcher's pid, given to the relaunched JVM so that it exits with it. */
    static final String LAUNCHER_PROPERTY = "jshrew.graalwasm.launcher";

    private static final String ENGINE = "graalwasm";

    private GraalLauncher() {}

    /**
     * In the relaunched JVM: no orphan outlives the launcher. When the launcher ends, however it ends (SIGKILL
     * included, which runs none of its hooks), this JVM exits as on SIGTERM: the current block finishes or the
     * shutdown hook's bound ends it, and the database lock is released.
     */
    static void exitWithLauncher() {
        if (!Boolean.getBoolean(RELAUNCHED_PROPERTY)) {
            return;
        }
        long launcher = Long.getLong(LAUNCHER_PROPERTY, -1);
        // a launcher already gone has left this JVM to another parent (init or a subreaper)
        ProcessHandle.current()
                .parent()
                .filter(p -> launcher < 0 || p.pid() == launcher)
                .ifPresentOrElse(
                        parent -> parent.onExit().thenRun(GraalLauncher::launcherGone), GraalLauncher::launcherGone);
    }

    private static void launcherGone() {
        LOG.log(Level.WARNING, "graalwasm: the launcher JVM has ended; stopping");
        // on another thread: exit runs the shutdown hooks, which may wait for the current block
        Thread.ofPlatform().name("jshrew-launcher-gone").start(() -> System.exit(143));
    }

    /** Runs the command in a JVM with the Graal JIT when it needs one; returns that JVM's exit status, or empty. */
    static OptionalInt relaunchIfNeeded(String[] args) {
        CliDefaults defaults;
        try {
            defaults = CliDefaults.load(args, System.getenv());
            Logging.configure(defaults.logLevels(args));
        } catch (dev.jshrew.api.JshrewException e) {
            return OptionalInt.empty(); // Main.run reports it
        }
        // graalwasm from the command line, the environment or the config file, or as the default engine
        boolean graalwasm = mentionsGraalwasm(args)
                || mentionsGraalwasm(defaults.allValues().toArray(String[]::new))
                || (ENGINE.equals(defaults.fastestEngine()) && !List.of(args).contains("--engine"));
        if (!graalwasm
                || Boolean.getBoolean(RELAUNCHED_PROPERTY)
                || ModuleLayer.boot().findModule("org.graalvm.truffle").isPresent()) {
            return OptionalInt.empty();
        }
        Path home = jarDirectory();
        if (home == null) {
            return OptionalInt.empty();
        }
        Optional<String> missing = missingJars(home);
        if (missing.isPresent()) {
            Logging.configure();
            LOG.log(Level.WARNING, "graalwasm: {0}", missing.get());
            return OptionalInt.empty();
        }
        List<String> command = command(home, args);
        LOG.log(
                Level.INFO,
                "graalwasm: relaunching the JVM with GraalWasm on the module path and the Graal "
                        + "JIT (JVMCI, Graal compiler)");
        LOG.log(Level.DEBUG, "graalwasm: {0}", String.join(" ", command));
        try {
            Process child = new ProcessBuilder(command).inheritIO().start();
            // stopped ourselves (SIGTERM, Ctrl-C): stop the command too, and wait while it finishes its block
            Thread reaper = new Thread(
                    () -> {
                        child.destroy();
                        try {
                            child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    },
                    "jshrew-graalwasm-relaunch");
            Runtime.getRuntime().addShutdownHook(reaper);
            int status = child.waitFor();
            try {
                Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException e) {
                // SIGTERM: the JVM is shutting down and the reaper has stopped the child; the exit status is the
                // signal's, and no stack trace is printed
            }
            return OptionalInt.of(status);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "graalwasm: cannot relaunch the JVM ({0}); running here", e.getMessage());
            return OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.of(130);
        }
    }

    /**
     * Why the graalwasm engine cannot run compiled from this JVM, or empty when it can (or will, in the relaunched
     * JVM). Empty as well when this class was not loaded from a jar (tests, IDEs): then nothing can be said here, and
     * the engine itself says which runtime it got.
     */
    static Optional<String> unavailableReason() {
        if (Boolean.getBoolean(RELAUNCHED_PROPERTY)
                || ModuleLayer.boot().findModule("org.graalvm.truffle").isPresent()) {
            return Optional.empty();
        }
        Path home = jarDirectory();
        return home == null ? Optional.empty() : missingJars(home);
    }

    /**
     * What is missing beside the jar in {@code home} for the relaunch: the GraalVM jars ({@code graalvm/modules},
     * {@code graalvm/compiler}), or JVMCI in this Java runtime; empty when nothing is.
     */
    static Optional<String> missingJars(Path home) {
        List<String> missing = Stream.of("graalvm/modules", "graalvm/compiler")
                .filter(d -> !Files.isDirectory(home.resolve(d)))
                .toList();
        if (!missing.isEmpty()) {
            return Optional.of("unavailable: GraalVM's jars are missing: no " + String.join(" and no ", missing)
                    + " directory in " + home + " (the build puts graalvm/ beside jshrew.jar, in cli/target/: copy"
                    + " it with the jar, or install the distribution and run its bin/jshrew)");
        }
        if (ModuleFinder.ofSystem().find("jdk.internal.vm.ci").isEmpty()) {
            return Optional.of("unavailable: the Java runtime in " + System.getProperty("java.home")
                    + " has no JVMCI (module jdk.internal.vm.ci), which the Graal JIT needs;"
                    + " -E mode=interpreter runs GraalWasm interpreted");
        }
        return Optional.empty();
    }

    /** Whether any argument, or any comma-separated part of one or of its {@code --option=} value, is "graalwasm". */
    static boolean mentionsGraalwasm(String[] args) {
        for (String arg : args) {
            String value = arg.startsWith("--") && arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : arg;
            for (String part : value.split(",")) {
                if (part.strip().equals(ENGINE)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The directory of the jar this class was loaded from, or null when it was not loaded from a jar. */
    private static Path jarDirectory() {
        try {
            var source = GraalLauncher.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return null;
            }
            Path jar = Path.of(source.getLocation().toURI());
            return Files.isRegularFile(jar) ? jar.getParent() : null;
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The relaunched JVM's heap limit unless the user set one: enough for Graal's compiler, far below 1/4 of RAM. */
    static final String DEFAULT_HEAP = "2g";

    /** Whether a JVM option sets the heap's maximum. */
    static boolean setsHeap(String option) {
        return option.startsWith("-Xmx")
                || option.startsWith("-XX:MaxHeapSize=")
                || option.startsWith("-XX:MaxRAMPercentage=")
                || option.startsWith("-XX:MaxRAM=");
    }

    static List<String> command(Path home, String[] args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // this JVM's own options (heap, -D properties, ...) first, so ours win where they overlap
        List<String> own = ManagementFactory.getRuntimeMXBean().getInputArguments();
        cmd.addAll(own);
        if (own.stream().noneMatch(GraalLauncher::setsHeap)) {
            // never the JVM's default of 1/4 of RAM on top of the guest commits (README "Sizing")
            cmd.add("-Xmx" + DEFAULT_HEAP);
        }
        if (ModuleFinder.ofSystem().find("jdk.internal.vm.ci").isPresent()) {
            cmd.add("-XX:+UnlockExperimentalVMOptions");
            cmd.add("-XX:+EnableJVMCI");
        }
        cmd.add("--upgrade-module-path=" + jars(home.resolve("graalvm/compiler")));
        cmd.add("--module-path=" + home.resolve("graalvm/modules"));
        cmd.add("--add-modules=ALL-MODULE-PATH");
        cmd.add("--enable-native-access=ALL-UNNAMED,org.graalvm.truffle");
        // Truffle and GraalWasm use sun.misc.Unsafe (GraalWasm's native guest memory is Unsafe memory): no JDK 25
        // warnings
        cmd.add("--sun-misc-unsafe-memory-access=allow");
        cmd.add("-D" + RELAUNCHED_PROPERTY + "=true");
        cmd.add("-D" + LAUNCHER_PROPERTY + "=" + ProcessHandle.current().pid());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String jars(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return String.join(
                    java.io.File.pathSeparator,
                    files.filter(f -> f.toString().endsWith(".jar"))
                            .sorted()
                            .map(Path::toString)
                            .toList());
        } catch (IOException e) {
            return dir.toString();
        }
    }
}
