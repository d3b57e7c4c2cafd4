package dev.jshrew.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --config FILE} and {@code JSHREW_<OPTION>}: command line > environment > config file > built-in default. */
class ConfigCliTest {
    @TempDir
    Path temp;

    /** What {@code serve} would run with, parsed exactly as {@link Main#run} parses. */
    static ServeCommand parseServe(Map<String, String> env, String... args) {
        CliDefaults defaults = CliDefaults.load(args, env);
        CommandLine cli = Main.commandLine(defaults);
        defaults.checkKeys(cli);
        CommandLine.ParseResult result = cli.parseArgs(defaults.withRepeatables(Main.commandLine(defaults), args));
        return (ServeCommand) result.subcommand().commandSpec().userObject();
    }

    @Test
    void commandLineBeatsEnvironmentBeatsFileBeatsDefault() throws Exception {
        Path file = Files.writeString(
                temp.resolve("jshrew.properties"), """
                # every option by its long name, without dashes
                indexer = from-file.wasm
                db = /from/file
                port = 2
                host = 10.0.0.1
                view-workers = 5
                rpc-threads = 7
                blocks = a.hex, b.hex
                engine-option = mode=interpreter,x=y
                dump-only-option-is-fine = no
                """.replace("dump-only-option-is-fine = no\n", "height = 3\n"));
        ServeCommand s = parseServe(
                Map.of("JSHREW_HOST", "10.0.0.2", "JSHREW_VIEW_WORKERS", "6", "JSHREW_DB", "/from/env"),
                "serve",
                "--config",
                file.toString(),
                "--port",
                "1",
                "--blocks",
                "c.hex");
        assertThat(s.port).as("command line over file").isEqualTo(1);
        assertThat(s.host).as("environment over file").isEqualTo("10.0.0.2");
        assertThat(s.viewWorkers).as("environment over file").isEqualTo(6);
        assertThat(s.args.db).as("environment over file").isEqualTo(Path.of("/from/env"));
        assertThat(s.rpcThreads).as("file over built-in").isEqualTo(7);
        assertThat(s.args.indexer).as("a required option from the file").isEqualTo(Path.of("from-file.wasm"));
        assertThat(s.maxBatchSize).as("built-in").isEqualTo(100);
        assertThat(s.viewTimeout).as("built-in").isEqualTo("60s");
        assertThat(s.node.blocks)
                .as("a list on the command line replaces the file's")
                .containsExactly(Path.of("c.hex"));
        assertThat(s.args.engineOptions)
                .as("a map from the file, element by element")
                .containsExactly(Map.entry("mode", "interpreter"), Map.entry("x", "y"));

        ServeCommand fromEnv =
                parseServe(Map.of("JSHREW_BLOCKS", "p.hex,q.hex", "JSHREW_CONFIG", file.toString()), "serve");
        assertThat(fromEnv.node.blocks)
                .as("JSHREW_CONFIG names the file; an environment list beats the file's")
                .containsExactly(Path.of("p.hex"), Path.of("q.hex"));
        assertThat(fromEnv.port).isEqualTo(2);
        assertThat(fromEnv.args.db).isEqualTo(Path.of("/from/file"));
    }

    @Test
    void environmentNamesFollowTheLongOptionNames() {
        assertThat(CliDefaults.envName("--db")).isEqualTo("JSHREW_DB");
        assertThat(CliDefaults.envName("--daemon-rpc-url")).isEqualTo("JSHREW_DAEMON_RPC_URL");
        assertThat(CliDefaults.key("--daemon-rpc-url")).isEqualTo("daemon-rpc-url");
        // help shows a default from the environment as the default in effect
        String help = HelpCliTest.jshrew(Map.of("JSHREW_PORT", "9999"), "serve", "--help")
                .out()
                .replaceAll("\\s+", " ");
        assertThat(help).contains("JSON-RPC port (default 9999;");
    }

    @Test
    void aConfiguredRunIndexesTheSample() throws Exception {
        Path blocks = CliTest.repo().resolve("sample/blocks");
        Path db = temp.resolve("db");
        Path file = Files.writeString(
                temp.resolve("index.properties"),
                "engine = chicory\nindexer = " + CliTest.indexer() + "\n" + "blocks = "
                        + blocks.resolve("mainnet-000000.hex") + "," + blocks.resolve("mainnet-083636.hex") + "\n");
        HelpCliTest.Run r = HelpCliTest.jshrew(
                Map.of("JSHREW_DB", db.toString(), "JSHREW_MEMORY_COMMIT", "off"),
                "index",
                "--config",
                file.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("indexed 2 block(s)").contains("engine chicory");
        HelpCliTest.Run dump = HelpCliTest.jshrew(Map.of("JSHREW_DB", db.toString()), "dump", "--height", "83636");
        assertThat(dump.code()).as(dump.err()).isZero();
        assertThat(dump.out()).contains("sha256 ");
    }

    @Test
    void aBadFileIsAClearInputError() throws Exception {
        Path typo = Files.writeString(temp.resolve("typo.properties"), "db = /x\ndeamon-rpc-url = http://h:1\n");
        HelpCliTest.Run r = HelpCliTest.jshrew(Map.of(), "dump", "--config", typo.toString(), "--height", "1");
        assertThat(r.code()).isEqualTo(ErrorCode.INPUT.exitCode());
        assertThat(r.err()).contains("no command has the option(s) deamon-rpc-url");

        HelpCliTest.Run missing = HelpCliTest.jshrew(
                Map.of(), "dump", "--config", temp.resolve("absent.properties").toString(), "--height", "1");
        assertThat(missing.code()).isEqualTo(ErrorCode.INPUT.exitCode());
        assertThat(missing.err()).startsWith("jshrew: --config ").contains("absent.properties");
        assertThat(temp.resolve("absent.properties")).doesNotExist();
    }

    @Test
    void scanReadsBothForms() {
        String[] args = {"serve", "--config", "a", "--config=b", "--", "--config", "c"};
        assertThat(CliDefaults.scan(args, "--config")).isEqualTo(List.of("a", "b"));
    }
}
