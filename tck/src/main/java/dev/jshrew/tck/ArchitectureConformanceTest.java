package dev.jshrew.tck;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The engine's main code uses only the SPI and the engine toolkit ({@link EngineArchitecture}). The engine is the
 * package of the subclass (which sits beside the engine's classes, as every kit subclass does) and below.
 */
public abstract class ArchitectureConformanceTest {
    private JavaClasses engineClasses() {
        JavaClasses classes = EngineArchitecture.mainClasses(getClass().getPackageName());
        assertThat(classes).as("main classes of " + getClass().getPackageName()).isNotEmpty();
        return classes;
    }

    @Test
    @DisplayName("main code imports nothing of dev.jshrew.memory (the memory-commit implementation)")
    void noMemoryCommitImplementation() {
        EngineArchitecture.noMemoryCommitImplementation(getClass().getPackageName())
                .check(engineClasses());
    }

    @Test
    @DisplayName("main code uses no jshrew module but api and engine-toolkit")
    void onlySpiAndToolkit() {
        EngineArchitecture.onlySpiAndToolkit(getClass().getPackageName()).check(engineClasses());
    }
}
