package io.meshflow;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Keeps meshflow-core small: no server, CLI, JDBC driver or vendor SDK may creep in. */
class ArchitectureTest {

    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.meshflow");

    @Test
    void core_dependsOnNoServerCliJdbcOrVendorSdk() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.meshflow.server..",
                        "io.meshflow.cli..",
                        "java.sql..",
                        "com.anthropic..",
                        "com.openai..",
                        "com.google.genai..",
                        "software.amazon..",
                        "io.javalin..",
                        "io.opentelemetry.sdk..")
                .check(CORE);
    }

    @Test
    void publicApi_doesNotDependOnTheRuntimeInternals_exceptTheMeshEntryPoint() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "io.meshflow.workflow..",
                        "io.meshflow.agent..",
                        "io.meshflow.provider..",
                        "io.meshflow.tool..",
                        "io.meshflow.ledger..",
                        "io.meshflow.policy..",
                        "io.meshflow.event..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.meshflow.runtime..")
                .check(CORE);
    }
}
