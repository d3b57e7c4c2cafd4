package dev.jshrew.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Help and version on the whole command tree, walked with {@link CommandLine#getSubcommands()}: a command or option
 * added later is held to the same rules with no change here.
 */
class HelpCliTest {
    record Run(int code, String out, String err) {}

    static Run jshrew(Map<String, String> env, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(env, args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Every command below the root, as the words that name it ({@code ["serve"]}), depth first. */
    static void walk(CommandLine cmd, List<String> path, BiConsumer<List<String>, CommandLine> visit) {
        visit.accept(path, cmd);
        cmd.getSubcommands().forEach((name, sub) -> {
            if (sub.getCommandName().equals(name)) { // aliases name the same command again
                List<String> next = new ArrayList<>(path);
                next.add(name);
                walk(sub, next, visit);
            }
        });
    }

    static CommandLine tree() {
        return Main.commandLine(CliDefaults.load(new String[0], Map.of()));
    }

    @Test
    void everyCommandHasHelpThatExitsZeroAndShowsEveryOptionWithItsDefault() {
        List<String> seen = new ArrayList<>();
        walk(tree(), List.of(), (path, cmd) -> {
            seen.add(String.join(" ", path));
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            Run r = jshrew(Map.of(), args.toArray(String[]::new));
            assertThat(r.code()).as("%s exit status; stderr: %s", args, r.err()).isZero();
            assertThat(r.err()).as("%s stderr", args).isEmpty();
            assertThat(r.out())
                    .as("%s", args)
                    .contains("Usage: jshrew" + (path.isEmpty() ? "" : " " + String.join(" ", path)));
            String help = r.out().replaceAll("\\s+", " ");
            CommandLine.Help renderer = new CommandLine.Help(cmd.getCommandSpec());
            for (OptionSpec o : cmd.getCommandSpec().options()) {
                String description = String.join(" ", o.description()).strip();
                assertThat(description)
                        .as("%s: option %s has a description", path, o.longestName())
                        .isNotEmpty();
                assertThat(help).as("%s lists %s", path, o.longestName()).contains(o.longestName());
                String dflt = defaultOf(cmd, o);
                if (dflt != null && !dflt.isEmpty()) {
                    // the option's own entry in the help, as --help prints it
                    String entry = renderer.optionListExcludingGroups(List.of(o))
                            .replaceAll("\\s+", " ")
                            .strip();
                    assertThat(entry)
                            .as("%s: %s shows its default %s", path, o.longestName(), dflt)
                            .contains("default " + dflt);
                    assertThat(help).as("%s help shows %s", path, entry).contains(entry);
                }
            }
            args.set(args.size() - 1, "-h");
            assertThat(jshrew(Map.of(), args.toArray(String[]::new)).out()).isEqualTo(r.out());
            if (!path.isEmpty()) {
                List<String> viaHelp = new ArrayList<>(List.of("help"));
                viaHelp.addAll(path);
                Run h = jshrew(Map.of(), viaHelp.toArray(String[]::new));
                assertThat(h.code()).as("%s", viaHelp).isZero();
                assertThat(h.out()).as("%s", viaHelp).contains("Usage: jshrew " + String.join(" ", path));
            }
        });
        assertThat(seen).contains("", "engines", "index", "dump", "view", "serve", "diff", "help");
    }

    /** The default picocli applies: the provider's (environment, file, computed), else the annotation's. */
    private static String defaultOf(CommandLine cmd, OptionSpec o) {
        try {
            String provided = cmd.getCommandSpec().defaultValueProvider() == null
                    ? null
                    : cmd.getCommandSpec().defaultValueProvider().defaultValue(o);
            return provided != null ? provided : o.defaultValue();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void helpStatesTheRealDefaults() {
        // the defaults the commands really use, as the issue found them misstated or missing
        String view = jshrew(Map.of(), "view", "--help").out().replaceAll("\\s+", " ");
        assertThat(view).contains("off for view").contains("(default 0; 0: no limit");
        String serve = jshrew(Map.of(), "serve", "--help").out().replaceAll("\\s+", " ");
        assertThat(serve)
                .contains("(default 127.0.0.1)")
                .contains("(default 8080;")
                .contains("(default 2)")
                .contains("(default 60s;")
                .contains("default wasmtime: the fastest installed");
    }

    @Test
    void engineDefaultsToTheFastestInstalled() {
        CliDefaults defaults = CliDefaults.load(new String[0], Map.of());
        // all three are on the test class path, so the ranking's first
        assertThat(defaults.fastestEngine()).isEqualTo("wasmtime");
        OptionSpec engine =
                tree().getSubcommands().get("index").getCommandSpec().findOption("--engine");
        assertThat(defaults.defaultValue(engine)).isEqualTo("wasmtime");
        // the environment wins over the computed default
        assertThat(CliDefaults.load(new String[0], Map.of("JSHREW_ENGINE", "chicory"))
                        .defaultValue(engine))
                .isEqualTo("chicory");
    }

    @Test
    void versionNamesTheVersionAndTheCommitOnEveryCommand() {
        for (List<String> args : List.of(List.of("--version"), List.of("-V"), List.of("serve", "--version"))) {
            Run r = jshrew(Map.of(), args.toArray(String[]::new));
            assertThat(r.code()).isZero();
            String first = r.out().lines().findFirst().orElseThrow();
            // built from this checkout: the pom's version and a hex commit (the build's git-commit-id plugin)
            assertThat(first).matches("jshrew \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(commit [0-9a-f]{12}\\)");
            assertThat(r.out()).contains("Java " + Runtime.version());
        }
    }

    @Test
    void withoutGitTheCommitIsUnknown() {
        java.util.Properties unfiltered = new java.util.Properties();
        unfiltered.setProperty("version", "0.1.0");
        unfiltered.setProperty("commit", "${git.commit.id.abbrev}"); // what the build leaves without .git
        assertThat(Main.Version.lines(unfiltered)[0]).isEqualTo("jshrew 0.1.0 (commit unknown)");
        assertThat(Main.Version.lines(new java.util.Properties())[0]).isEqualTo("jshrew unknown (commit unknown)");
    }

    @Test
    void unknownCommandOrOptionIsAUsageError() {
        Run r = jshrew(Map.of(), "engines", "--no-such-option");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Unknown option: '--no-such-option'");
        assertThat(jshrew(Map.of(), "help", "no-such-command").code()).isNotZero();
    }
}
