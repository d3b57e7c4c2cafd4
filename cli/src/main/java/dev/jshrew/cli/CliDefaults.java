package dev.jshrew.cli;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.WasmEngineProvider;
import dev.jshrew.host.EngineRegistry;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where an option's value comes from when the command line does not give it: a {@code JSHREW_<OPTION>} environment
 * variable, then the {@code --config} file, then the built-in default. It applies to every option of every command,
 * by the option's long names, so options and commands added later take part with no code here.
 *
 * <ul>
 *   <li>Environment: {@code JSHREW_} + the long name without its dashes, upper case, {@code -} as {@code _}: {@code
 *       --db} is {@code JSHREW_DB}, {@code --daemon-rpc-url} is {@code JSHREW_DAEMON_RPC_URL}.
 *   <li>Config file: Java properties, {@code option-name = value} ({@code db = /data/jshrew}, {@code
 *       daemon-rpc-url = http://127.0.0.1:8332}); {@code #} comments. A key no command knows is an error (a typo
 *       must not be ignored); a key of another command's option is ignored, so one file serves every command.
 *   <li>Repeatable options ({@code --blocks}, {@code -E}): the value is a comma-separated list, each element one
 *       occurrence ({@code engine-option = mode=interpreter,foo=bar}). Single-value options take the value as is.
 * </ul>
 *
 * <p>Single-value options get their value through picocli's default value provider (so {@code --help} shows it as
 * the default); repeatable ones are added to the command line before it is parsed ({@link #withRepeatables}),
 * because picocli would take a provided default as one element.
 */
final class CliDefaults implements CommandLine.IDefaultValueProvider {
    static final String ENV_PREFIX = "JSHREW_";
    /** The options read before parsing, by their own rules; no environment or file value is provided for them. */
    static final String CONFIG = "--config";

    static final String LOG_LEVEL = "--log-level";

    /**
     * The engine {@code --engine} defaults to: the first of these that is installed, then any other by name.
     * wasmtime first (Cranelift native code ahead of time: full speed from the first block, no JIT warm-up, no
     * second JVM); graalwasm next (as fast once its JIT is warm, but it warms up for minutes and needs the JVM
     * relaunched with the Graal compiler); chicory last (a pure-Java compiler, about 2x slower per block).
     */
    static final List<String> ENGINE_RANKING = List.of("wasmtime", "graalwasm", "chicory");

    private final Map<String, String> env;
    private final Properties config;
    private final Path configFile;

    private CliDefaults(Map<String, String> env, Properties config, Path configFile) {
        this.env = env;
        this.config = config;
        this.configFile = configFile;
    }

    /**
     * The defaults for this command line and environment: the config file named by {@code --config FILE} in
     * {@code args}, or else by {@code JSHREW_CONFIG}, is read now.
     *
     * @throws JshrewException {@link ErrorCode#INPUT} when the file cannot be read
     */
    static CliDefaults load(String[] args, Map<String, String> env) {
        List<String> named = scan(args, CONFIG);
        String file = named.isEmpty() ? env.get(envName(CONFIG)) : named.getLast();
        Properties properties = new Properties();
        Path path = null;
        if (file != null && !file.isBlank()) {
            path = Path.of(file);
            try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
                properties.load(r);
            } catch (IOException | IllegalArgumentException e) {
                throw new JshrewException(ErrorCode.INPUT, "--config " + file + ": cannot read it: " + e, e);
            }
        }
        return new CliDefaults(Map.copyOf(env), properties, path);
    }

    /**
     * The values of {@code option} on the command line, in order ({@code --option VALUE} and {@code
     * --option=VALUE}; nothing after {@code --}). For the options needed before parsing: {@code --config}, {@code
     * --log-level}.
     */
    static List<String> scan(String[] args, String option) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--")) {
                break;
            }
            if (args[i].equals(option) && i + 1 < args.length) {
                values.add(args[++i]);
            } else if (args[i].startsWith(option + "=")) {
                values.add(args[i].substring(option.length() + 1));
            }
        }
        return values;
    }

    /** The log level specs: the command line's {@code --log-level}, else the environment's, else the file's. */
    List<String> logLevels(String[] args) {
        List<String> given = scan(args, LOG_LEVEL);
        if (!given.isEmpty()) {
            return given;
        }
        return lookup(List.of(LOG_LEVEL)).map(List::of).orElse(List.of());
    }

    /** {@code --daemon-rpc-url} → {@code JSHREW_DAEMON_RPC_URL}. */
    static String envName(String longName) {
        return ENV_PREFIX + key(longName).toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** {@code --daemon-rpc-url} → {@code daemon-rpc-url}, the config file's key. */
    static String key(String longName) {
        return longName.replaceFirst("^-+", "");
    }

    private static List<String> longNames(OptionSpec option) {
        return List.of(option.names()).stream().filter(n -> n.startsWith("--")).toList();
    }

    /** The environment's value, else the file's, for the first of these long names that has one. */
    private Optional<String> lookup(List<String> longNames) {
        for (String name : longNames) {
            String v = env.get(envName(name));
            if (v != null) {
                return Optional.of(v);
            }
        }
        for (String name : longNames) {
            String v = config.getProperty(key(name));
            if (v != null) {
                return Optional.of(v.strip());
            }
        }
        return Optional.empty();
    }

    private static boolean ownRules(OptionSpec option) {
        return option.usageHelp()
                || option.versionHelp()
                || List.of(option.names()).contains(CONFIG)
                || List.of(option.names()).contains(LOG_LEVEL);
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || ownRules(option) || option.isMultiValue()) {
            return null;
        }
        Optional<String> value = lookup(longNames(option));
        if (value.isPresent()) {
            return value.get();
        }
        if (List.of(option.names()).contains("--engine")) {
            return fastestEngine();
        }
        return null;
    }

    /** The installed engine {@code --engine} defaults to ({@link #ENGINE_RANKING}), or null when none is. */
    String fastestEngine() {
        return FastestEngine.NAME;
    }

    /** Found once per process: the engines installed do not change while it runs. */
    private static final class FastestEngine {
        static final String NAME = EngineRegistry.load().providers().stream()
                .map(WasmEngineProvider::name)
                .min(Comparator.comparingInt((String n) -> {
                            int rank = ENGINE_RANKING.indexOf(n);
                            return rank < 0 ? ENGINE_RANKING.size() : rank;
                        })
                        .thenComparing(Comparator.naturalOrder()))
                .orElse(null);
    }

    /** Whether neither the environment nor a file gives any value. */
    boolean isEmpty() {
        return config.isEmpty() && env.keySet().stream().noneMatch(k -> k.startsWith(ENV_PREFIX));
    }

    /**
     * Every value given by the environment or the file, for the graalwasm relaunch's check (it runs before parsing).
     */
    List<String> allValues() {
        List<String> values = new ArrayList<>();
        env.forEach((k, v) -> {
            if (k.startsWith(ENV_PREFIX)) {
                values.add(v);
            }
        });
        config.forEach((k, v) -> values.add(v.toString()));
        return values;
    }

    /**
     * Checks the config file's keys against every option of the command tree: an unknown key is an error.
     *
     * @throws JshrewException {@link ErrorCode#INPUT} naming the unknown keys
     */
    void checkKeys(CommandLine root) {
        TreeSet<String> known = new TreeSet<>();
        collectKeys(root, known);
        TreeSet<String> unknown = new TreeSet<>();
        for (String k : config.stringPropertyNames()) {
            if (!known.contains(k)) {
                unknown.add(k);
            }
        }
        if (!unknown.isEmpty()) {
            throw new JshrewException(
                    ErrorCode.INPUT,
                    "--config " + configFile + ": no command has the option(s) " + String.join(", ", unknown)
                            + " (keys are long option names without dashes, e.g. daemon-rpc-url)");
        }
    }

    private static void collectKeys(CommandLine cmd, java.util.Set<String> known) {
        for (OptionSpec o : cmd.getCommandSpec().options()) {
            if (!ownRules(o) || List.of(o.names()).contains(LOG_LEVEL)) {
                longNames(o).forEach(n -> known.add(key(n)));
            }
        }
        cmd.getSubcommands().values().forEach(sub -> collectKeys(sub, known));
    }

    /**
     * The command line plus the environment's and the file's values of the repeatable options it leaves unset, for
     * the command it runs: each comma-separated element becomes one {@code --option=ELEMENT}, added before {@code
     * --} or at the end. Returns {@code args} itself when there is nothing to add or it does not parse.
     */
    String[] withRepeatables(CommandLine probe, String[] args) {
        CommandLine.ParseResult result;
        try {
            result = probe.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            return args; // the real parse reports it
        }
        while (result.hasSubcommand()) {
            result = result.subcommand();
        }
        List<String> extra = new ArrayList<>();
        for (OptionSpec o : result.commandSpec().options()) {
            List<String> names = longNames(o);
            if (!o.isMultiValue() || ownRules(o) || names.isEmpty() || result.hasMatchedOption(o)) {
                continue;
            }
            Optional<String> value = lookup(names);
            if (value.isPresent()) {
                for (String element : value.get().split(",")) {
                    if (!element.isBlank()) {
                        extra.add(names.getFirst() + "=" + element.strip());
                    }
                }
            }
        }
        if (extra.isEmpty()) {
            return args;
        }
        List<String> all = new ArrayList<>(List.of(args));
        int end = all.indexOf("--");
        all.addAll(end < 0 ? all.size() : end, extra);
        return all.toArray(String[]::new);
    }
}
