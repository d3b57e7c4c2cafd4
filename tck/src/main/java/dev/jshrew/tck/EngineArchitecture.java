package dev.jshrew.tck;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The dependency rules every engine keeps (checked by {@link ArchitectureConformanceTest}): an engine is written
 * against the SPI ({@code dev.jshrew.api}) and the engine toolkit ({@code dev.jshrew.engine.toolkit}) alone, so
 * it never reaches into the memory-commit implementation ({@code dev.jshrew.memory}) or any other jshrew module.
 */
public final class EngineArchitecture {
    /** The jshrew packages an engine's main code may use besides its own. */
    public static final String[] ENGINE_MAY_USE = {"dev.jshrew.api..", "dev.jshrew.engine.toolkit.."};

    private EngineArchitecture() {}

    /** An engine's main classes: {@code enginePackage} and below, test classes left out. */
    public static JavaClasses mainClasses(String enginePackage) {
        return new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(enginePackage);
    }

    /** No class of {@code enginePackage} (and below) depends on the memory-commit implementation. */
    public static ArchRule noMemoryCommitImplementation(String enginePackage) {
        return noClasses()
                .that()
                .resideInAPackage(enginePackage + "..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.jshrew.memory..")
                .because("engines use the memory-commit contract in dev.jshrew.api.memory, not its implementation");
    }

    /** No class of {@code enginePackage} (and below) uses a jshrew package other than its own, api and toolkit. */
    public static ArchRule onlySpiAndToolkit(String enginePackage) {
        return noClasses()
                .that()
                .resideInAPackage(enginePackage + "..")
                .should()
                .dependOnClassesThat(resideInAPackage("dev.jshrew..")
                        .and(not(resideInAnyPackage(ENGINE_MAY_USE)))
                        .and(not(resideInAPackage(enginePackage + ".."))))
                .because("an engine is written against the SPI and the engine toolkit alone");
    }
}
