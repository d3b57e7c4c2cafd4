package dev.jshrew.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.JshrewException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Log lines: ISO-8601 UTC timestamps with the date, scoped levels, one number format. */
class LoggingTest {
    @AfterEach
    void restore() {
        Logging.configure();
    }

    @Test
    void linesStartWithAnIsoTimestampWithDateAndUtc() {
        LogRecord r = new LogRecord(Level.INFO, "tip {0}, {1} blocks/s, {2}");
        r.setInstant(Instant.parse("2026-12-05T20:31:07Z"));
        r.setParameters(new Object[] {840243L, 1234.5678, "x"});
        String line = new Logging.LineFormatter().format(r);
        // plain digits whatever the locale: never 840,243 or 840.243
        assertThat(line)
                .isEqualTo(
                        "2026-12-05T20:31:07.000Z INFO    tip 840243, 1234.568 blocks/s, x" + System.lineSeparator());
        LogRecord typed = new LogRecord(Level.INFO, "serving JSON-RPC on http://{0}:{1,number,#}");
        typed.setParameters(new Object[] {"127.0.0.1", 18080});
        assertThat(new Logging.LineFormatter().formatMessage(typed))
                .isEqualTo("serving JSON-RPC on http://127.0.0.1:18080");
        assertThat(Logging.timestamp(Instant.parse("2026-12-05T20:31:07.412345Z")))
                .isEqualTo("2026-12-05T20:31:07.412Z");
    }

    @Test
    void aBareLevelScopesJshrewsLoggersAndOthersStayAtWarning() {
        Map<String, Level> levels = Logging.levels(List.of("FINE"));
        assertThat(levels)
                .containsEntry("", Level.WARNING)
                .containsEntry("dev.jshrew", Level.FINE)
                .containsEntry("jshrew", Level.FINE);
        Logging.configure(List.of("debug", "org.eclipse.jetty=INFO"));
        assertThat(java.util.logging.Logger.getLogger("dev.jshrew.node.sync.Sync")
                        .isLoggable(Level.FINE))
                .isTrue();
        assertThat(java.util.logging.Logger.getLogger("jshrew.serve").isLoggable(Level.FINE))
                .isTrue();
        // the JDK's internals stay quiet at FINE and INFO
        assertThat(java.util.logging.Logger.getLogger("jdk.internal.httpclient.debug")
                        .isLoggable(Level.INFO))
                .isFalse();
        assertThat(java.util.logging.Logger.getLogger("sun.net.www.protocol.http.HttpURLConnection")
                        .isLoggable(Level.FINE))
                .isFalse();
        // asked for: Jetty at INFO, not below
        assertThat(java.util.logging.Logger.getLogger("org.eclipse.jetty.server.Server")
                        .isLoggable(Level.INFO))
                .isTrue();
        assertThat(java.util.logging.Logger.getLogger("org.eclipse.jetty.server.Server")
                        .isLoggable(Level.FINE))
                .isFalse();
    }

    @Test
    void anUnknownLevelIsAnInputError() {
        assertThatThrownBy(() -> Logging.levels(List.of("LOUD")))
                .isInstanceOf(JshrewException.class)
                .hasMessageContaining("unknown log level 'LOUD'");
        HelpCliTest.Run r = HelpCliTest.jshrew(Map.of(), "engines", "--log-level", "LOUD");
        assertThat(r.code()).isEqualTo(18);
        assertThat(r.err()).startsWith("jshrew: unknown log level 'LOUD'");
    }

    @Test
    void logLevelOptionRaisesJshrewsLoggersEndToEnd() {
        HelpCliTest.Run quiet = HelpCliTest.jshrew(Map.of(), "engines", "--log-level", "WARN");
        assertThat(quiet.code()).isZero();
        HelpCliTest.Run fine = HelpCliTest.jshrew(Map.of("JSHREW_LOG_LEVEL", "FINE"), "engines");
        assertThat(fine.code()).isZero();
        assertThat(java.util.logging.Logger.getLogger("dev.jshrew").getLevel()).isEqualTo(Level.FINE);
        assertThat(java.util.logging.Logger.getLogger("").getLevel()).isEqualTo(Level.WARNING);
    }
}
