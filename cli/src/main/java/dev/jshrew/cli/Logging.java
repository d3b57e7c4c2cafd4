package dev.jshrew.cli;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.text.MessageFormat;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One-line log records on stderr ({@code System.Logger} and Jetty's SLF4J are backed by java.util.logging).
 *
 * <p>Every line starts with an ISO-8601 UTC timestamp ({@code 2026-12-05T20:31:07.412Z}), then the level. Numbers
 * in messages have one format: integers as plain digits ({@code 840243}, never {@code 840,243}), fractions with a
 * dot and at most three decimals, whatever the locale.
 *
 * <p>Levels: jshrew's own loggers ({@code dev.jshrew.*} and the {@code jshrew.*} command loggers) log at INFO, every
 * other logger (the JDK's, Jetty's, RocksDB's) at WARNING. A level spec ({@code --log-level}, {@code
 * -Djshrew.log.level}, {@code JSHREW_LOG_LEVEL}) is a comma-separated list of {@code LEVEL} (jshrew's loggers) and
 * {@code LOGGER=LEVEL} (that logger and its children, e.g. {@code org.eclipse.jetty=INFO}) entries; LEVEL is one of
 * java.util.logging's ({@code SEVERE WARNING INFO CONFIG FINE FINER FINEST ALL OFF}) or System.Logger's ({@code
 * ERROR WARN DEBUG TRACE}), in any case.
 */
final class Logging {
    /** The system property that sets levels as {@code --log-level} does (kept from before {@code --log-level}). */
    static final String PROPERTY = "jshrew.log.level";

    /** The loggers a bare {@code LEVEL} applies to: jshrew's. */
    static final List<String> JSHREW_LOGGERS = List.of("dev.jshrew", "jshrew");

    /** Strong references: java.util.logging keeps loggers weakly, and a collected logger forgets its level. */
    private static final List<Logger> CONFIGURED = new ArrayList<>();

    private Logging() {}

    /** Default levels plus {@code -Djshrew.log.level}. */
    static void configure() {
        configure(List.of());
    }

    /**
     * Default levels, then {@code -Djshrew.log.level}, then {@code specs} (later entries win).
     *
     * @throws JshrewException {@link ErrorCode#INPUT} for a malformed spec or an unknown level
     */
    static synchronized void configure(List<String> specs) {
        Map<String, Level> levels = levels(specs);
        Logger root = Logger.getLogger("");
        for (var h : root.getHandlers()) {
            root.removeHandler(h);
        }
        for (Logger l : CONFIGURED) {
            l.setLevel(null);
        }
        CONFIGURED.clear();
        ConsoleHandler handler = new ConsoleHandler();
        handler.setFormatter(new LineFormatter());
        handler.setLevel(Level.ALL); // the loggers filter
        root.addHandler(handler);
        levels.forEach((name, level) -> {
            Logger l = Logger.getLogger(name);
            l.setLevel(level);
            CONFIGURED.add(l);
        });
    }

    /** The level of each configured logger name ({@code ""} is the root), in the order applied. */
    static Map<String, Level> levels(List<String> specs) {
        Map<String, Level> levels = new LinkedHashMap<>();
        levels.put("", Level.WARNING);
        for (String name : JSHREW_LOGGERS) {
            levels.put(name, Level.INFO);
        }
        List<String> all = new ArrayList<>();
        String property = System.getProperty(PROPERTY);
        if (property != null) {
            all.add(property);
        }
        all.addAll(specs);
        for (String spec : all) {
            for (String entry : spec.split(",")) {
                String e = entry.strip();
                if (e.isEmpty()) {
                    continue;
                }
                int eq = e.lastIndexOf('=');
                if (eq < 0) {
                    Level level = level(e);
                    for (String name : JSHREW_LOGGERS) {
                        levels.put(name, level);
                    }
                } else {
                    String name = e.substring(0, eq).strip();
                    levels.put(name.equals("root") ? "" : name, level(e.substring(eq + 1)));
                }
            }
        }
        return levels;
    }

    static Level level(String text) {
        String t = text.strip().toUpperCase(Locale.ROOT);
        return switch (t) {
            case "ERROR" -> Level.SEVERE;
            case "WARN" -> Level.WARNING;
            case "DEBUG" -> Level.FINE;
            case "TRACE" -> Level.FINEST;
            case "SEVERE", "WARNING", "INFO", "CONFIG", "FINE", "FINER", "FINEST", "ALL", "OFF" -> Level.parse(t);
            default ->
                throw new JshrewException(
                        ErrorCode.INPUT,
                        "unknown log level '" + text + "': use ERROR, WARN, INFO, DEBUG, TRACE (or SEVERE, WARNING,"
                                + " CONFIG, FINE, FINER, FINEST, ALL, OFF), optionally as LOGGER=LEVEL");
        };
    }

    /** {@code 2026-12-05T20:31:07.412Z INFO    message}, plus the stack trace of a thrown exception if any. */
    static final class LineFormatter extends Formatter {
        @Override
        public String format(LogRecord record) {
            StringBuilder line = new StringBuilder(96)
                    .append(timestamp(record.getInstant()))
                    .append(' ')
                    .append(String.format(Locale.ROOT, "%-7s", record.getLevel().getName()))
                    .append(' ')
                    .append(formatMessage(record));
            if (record.getThrown() != null) {
                StringWriter trace = new StringWriter();
                record.getThrown().printStackTrace(new PrintWriter(trace));
                line.append(System.lineSeparator()).append(trace.toString().strip());
            }
            return line.append(System.lineSeparator()).toString();
        }

        @Override
        public String formatMessage(LogRecord record) {
            String message = record.getMessage();
            Object[] params = record.getParameters();
            if (message == null || params == null || params.length == 0 || !message.contains("{")) {
                return message == null ? "" : message;
            }
            Object[] plain = new Object[params.length];
            for (int i = 0; i < params.length; i++) {
                plain[i] = plainNumber(params[i]);
            }
            try {
                return new MessageFormat(message, Locale.ROOT).format(plain);
            } catch (IllegalArgumentException e) {
                // a typed placeholder ({1,number,#}) wants the number itself; its own pattern sets the format
                try {
                    return new MessageFormat(message, Locale.ROOT).format(params);
                } catch (IllegalArgumentException again) {
                    return message;
                }
            }
        }
    }

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern(
                    "uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    /** Milliseconds, always three digits, in UTC: lines sort and compare as text. */
    static String timestamp(Instant instant) {
        return TIMESTAMP.format(instant);
    }

    /** The one number format of log lines: integers as plain digits, fractions with a dot and up to 3 decimals. */
    static Object plainNumber(Object value) {
        return switch (value) {
            case Long _, Integer _, Short _, Byte _, BigInteger _ -> value.toString();
            case Double _, Float _, BigDecimal _ ->
                new DecimalFormat("0.###", DecimalFormatSymbols.getInstance(Locale.ROOT)).format(value);
            case null, default -> value;
        };
    }
}
