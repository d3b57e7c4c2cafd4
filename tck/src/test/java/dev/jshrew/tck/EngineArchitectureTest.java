package dev.jshrew.tck;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.Test;

/** The rules catch a violation (the fixture package {@code archfixture}), and pass code that keeps them. */
class EngineArchitectureTest {
    private static final String FIXTURE = "dev.jshrew.tck.archfixture";

    private static JavaClasses fixture(String simpleName) throws ClassNotFoundException {
        return new ClassFileImporter().importClasses(Class.forName(FIXTURE + "." + simpleName));
    }

    @Test
    void memoryCommitImportIsReported() throws ClassNotFoundException {
        EvaluationResult result =
                EngineArchitecture.noMemoryCommitImplementation(FIXTURE).evaluate(fixture("ReachesPastTheSpi"));
        assertThat(result.hasViolation()).isTrue();
        assertThat(result.getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line)
                        .contains("ReachesPastTheSpi")
                        .contains("dev.jshrew.memory.CommittedMemoryProvider"));
        assertThat(EngineArchitecture.onlySpiAndToolkit(FIXTURE)
                        .evaluate(fixture("ReachesPastTheSpi"))
                        .hasViolation())
                .isTrue();
    }

    @Test
    void spiOnlyCodePasses() throws ClassNotFoundException {
        assertThat(EngineArchitecture.noMemoryCommitImplementation(FIXTURE)
                        .evaluate(fixture("UsesOnlyTheSpi"))
                        .hasViolation())
                .isFalse();
        assertThat(EngineArchitecture.onlySpiAndToolkit(FIXTURE)
                        .evaluate(fixture("UsesOnlyTheSpi"))
                        .hasViolation())
                .isFalse();
    }
}
