package dev.jshrew.engine.toolkit;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The toolkit is the bottom of the engines' stack: it uses nothing of jshrew but the SPI. */
class ToolkitArchitectureTest {
    @Test
    void dependsOnNothingOfJshrewButApi() {
        JavaClasses toolkit = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.jshrew.engine.toolkit");
        assertThat(toolkit).isNotEmpty();
        noClasses()
                .that()
                .resideInAPackage("dev.jshrew.engine.toolkit..")
                .should()
                .dependOnClassesThat(resideInAPackage("dev.jshrew..")
                        .and(not(resideInAnyPackage("dev.jshrew.api..", "dev.jshrew.engine.toolkit.."))))
                .because("engine-toolkit depends only on api")
                .check(toolkit);
    }
}
