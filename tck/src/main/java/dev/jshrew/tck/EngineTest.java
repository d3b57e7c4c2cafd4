package dev.jshrew.tck;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;

/** Base of every kit class: which engine is under test, with which options, and a temporary directory per test. */
public abstract class EngineTest {
    /** The engine under test, as operators name it. */
    protected abstract String engineName();

    /** Engine options (e.g. {@code mode=interpreter}). */
    protected Map<String, String> engineOptions() {
        return Map.of();
    }

    @TempDir
    protected Path temp;
}
