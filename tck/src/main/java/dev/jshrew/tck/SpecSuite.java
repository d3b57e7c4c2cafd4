package dev.jshrew.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.opentest4j.TestAbortedException;

/**
 * The engine-neutral part of a runner of the official WebAssembly memory spec tests, converted to JSON + .wasm by
 * {@code tools/spectest.sh} (see {@code tools/README-spectest.md}): where the converted testsuite is, the visible
 * skip when it is absent, the scripts, their commands, arguments and expected results. An engine's runner (Chicory's
 * {@code SpecMemoryTest}, engine-toolkit's {@code SpecRewriteTest}) adds only how it instantiates modules, invokes
 * exports and classifies failures.
 *
 * <p>A command this runner cannot express (an argument or result type other than i32/i64/f32/f64) throws
 * {@link TestAbortedException}: the runner counts it as skipped, never as passed.
 */
public final class SpecSuite {
    /** The system property naming the converted testsuite's directory (it wins over {@link #DIR_ENV}). */
    public static final String DIR_PROPERTY = "jshrew.spectest.dir";
    /** The environment variable naming the converted testsuite's directory. */
    public static final String DIR_ENV = "JSHREW_SPECTEST_DIR";
    /** The scripts, in the order they run (the names tools/spectest.sh converts). */
    public static final List<String> FILES = List.of(
            "memory",
            "memory_grow",
            "memory_size",
            "memory_fill",
            "memory_copy",
            "memory_init",
            "memory_trap",
            "memory_redundancy",
            "address",
            "data",
            "bulk");

    /** wast2json output is plain JSON: read with Jackson, as the node module reads JSON-RPC. */
    private static final ObjectMapper JSON = new ObjectMapper();

    private SpecSuite() {}

    /** The converted testsuite's directory from {@link #DIR_PROPERTY} or {@link #DIR_ENV}, or null. */
    public static Path dir() {
        String dir = System.getProperty(DIR_PROPERTY);
        if (dir == null || dir.isBlank()) {
            dir = System.getenv(DIR_ENV);
        }
        return dir == null || dir.isBlank() ? null : Path.of(dir);
    }

    /** The scripts of {@link #FILES} converted in {@code dir}, in order. */
    public static List<String> present(Path dir) {
        return FILES.stream()
                .filter(f -> Files.isRegularFile(dir.resolve(f + ".json")))
                .toList();
    }

    /**
     * When the converted testsuite is missing: one dynamic test, skipped with the reason (an assumption failing in
     * the factory itself would abort a container, which surefire does not count as a test). Empty when it is there.
     *
     * @param test the runner's name, which the reason starts with
     * @param displayName the skipped dynamic test's name
     */
    public static Optional<DynamicTest> skippedWhenAbsent(String test, String displayName) {
        Path dir = dir();
        String reason;
        if (dir == null) {
            reason = test + " skipped, reason: official testsuite not available offline; run tools/spectest.sh "
                    + "TESTSUITE_DIR OUT_DIR, then set " + DIR_ENV + "=OUT_DIR or -D" + DIR_PROPERTY + "=OUT_DIR "
                    + "(see tools/README-spectest.md)";
        } else if (!Files.isDirectory(dir)) {
            reason = test + " skipped, reason: " + dir + " (from " + DIR_PROPERTY + "/" + DIR_ENV
                    + ") is not a directory; run tools/spectest.sh TESTSUITE_DIR " + dir;
        } else if (present(dir).isEmpty()) {
            reason = test + " skipped, reason: no converted spec test (" + FILES.getFirst() + ".json, ...) in " + dir
                    + "; run tools/spectest.sh TESTSUITE_DIR " + dir;
        } else {
            return Optional.empty();
        }
        return Optional.of(DynamicTest.dynamicTest(displayName, () -> Assumptions.assumeTrue(false, reason)));
    }

    /** The commands of one converted script, in order. */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> commands(Path dir, String file) {
        try {
            Map<String, Object> json =
                    JSON.readValue(dir.resolve(file + ".json").toFile(), Map.class);
            return (List<Map<String, Object>>) json.get("commands");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A command's action ({@code invoke} or {@code get}). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> action(Map<String, Object> command) {
        return (Map<String, Object>) command.get("action");
    }

    /** An {@code invoke} action's arguments as raw bits (f32 as its int bits, f64 as its long bits). */
    @SuppressWarnings("unchecked")
    public static long[] arguments(Map<String, Object> action) {
        List<Map<String, Object>> args = (List<Map<String, Object>>) action.get("args");
        long[] values = new long[args == null ? 0 : args.size()];
        for (int i = 0; i < values.length; i++) {
            String type = (String) args.get(i).get("type");
            String value = (String) args.get(i).get("value");
            values[i] = switch (type) {
                case "i32", "f32" -> (int) Long.parseUnsignedLong(value);
                case "i64", "f64" -> Long.parseUnsignedLong(value);
                default -> throw new TestAbortedException("argument type " + type + " is not supported by this runner");
            };
        }
        return values;
    }

    /**
     * Asserts an {@code assert_return}'s results bit for bit; {@code nan:canonical} must be the canonical NaN (either
     * sign), {@code nan:arithmetic} a quiet one.
     */
    @SuppressWarnings("unchecked")
    public static void assertResults(Map<String, Object> command, long[] actual) {
        List<Map<String, Object>> expected = (List<Map<String, Object>>) command.get("expected");
        expected = expected == null ? List.of() : expected;
        assertEquals(expected.size(), actual.length, "number of results");
        for (int i = 0; i < actual.length; i++) {
            String type = (String) expected.get(i).get("type");
            String value = (String) expected.get(i).get("value");
            String where = "result " + i + " (" + type + ")";
            switch (type) {
                case "i32" -> assertEquals((int) Long.parseUnsignedLong(value), (int) actual[i], where);
                case "i64" -> assertEquals(Long.parseUnsignedLong(value), actual[i], where);
                case "f32" -> {
                    int bits = (int) actual[i];
                    if (value.startsWith("nan:")) {
                        boolean ok = Float.isNaN(Float.intBitsToFloat(bits))
                                && (value.equals("nan:canonical")
                                        ? (bits & 0x7FFF_FFFF) == 0x7FC0_0000
                                        : (bits & 0x0040_0000) != 0);
                        if (!ok) {
                            fail(where + ": expected " + value + ", got 0x" + Integer.toHexString(bits));
                        }
                    } else {
                        assertEquals((int) Long.parseUnsignedLong(value), bits, where + " bits");
                    }
                }
                case "f64" -> {
                    long bits = actual[i];
                    if (value.startsWith("nan:")) {
                        boolean ok = Double.isNaN(Double.longBitsToDouble(bits))
                                && (value.equals("nan:canonical")
                                        ? (bits & 0x7FFF_FFFF_FFFF_FFFFL) == 0x7FF8_0000_0000_0000L
                                        : (bits & 0x0008_0000_0000_0000L) != 0);
                        if (!ok) {
                            fail(where + ": expected " + value + ", got 0x" + Long.toHexString(bits));
                        }
                    } else {
                        assertEquals(Long.parseUnsignedLong(value), bits, where + " bits");
                    }
                }
                default -> throw new TestAbortedException("result type " + type + " is not supported by this runner");
            }
        }
    }

    /** A command in one line, for test names and failures: line, type, the call or module, the expected text. */
    public static String describe(Map<String, Object> c) {
        StringBuilder s =
                new StringBuilder("line ").append(c.get("line")).append(' ').append(c.get("type"));
        if (c.get("action") instanceof Map<?, ?> a) {
            s.append(' ').append(a.get("field")).append('(');
            if (a.get("args") instanceof List<?> args) {
                for (int i = 0; i < args.size(); i++) {
                    s.append(i == 0 ? "" : ", ").append(((Map<?, ?>) args.get(i)).get("value"));
                }
            }
            s.append(')');
        } else if (c.get("filename") != null) {
            s.append(' ').append(c.get("filename"));
        }
        if (c.get("text") != null) {
            s.append(" \"").append(c.get("text")).append('"');
        }
        return s.toString();
    }
}
