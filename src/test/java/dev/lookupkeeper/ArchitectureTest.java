package dev.lookupkeeper;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackages;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package tree is the data path read from the bottom up (docs/architecture.md): a class may
 * use what lies below it, never what lies above, and no two packages use each other. Checked on
 * the compiled main classes, so a fully-qualified name in code counts as much as an import.
 */
class ArchitectureTest {
    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.lookupkeeper");
    }

    @Test
    void noPackageIsInACycle() {
        // every package its own slice: pipeline.sink and pipeline.source.pgoutput are two slices
        slices().matching("dev.lookupkeeper.(**)").should().beFreeOfCycles().check(main);
    }

    @Test
    void coreStandsOnConfigAlone() {
        // the values every layer shares; config (settings, identifiers) is the one floor beneath them
        noClasses().that().resideInAPackage("dev.lookupkeeper.core..")
                .should().dependOnClassesThat(resideInAPackage("dev.lookupkeeper..")
                        .and(resideOutsideOfPackages("dev.lookupkeeper.core..", "dev.lookupkeeper.config..")))
                .check(main);
    }

    @Test
    void pgKnowsNothingOfWhatUsesIt() {
        // connections, SQL, catalog, slots, preflight: below the pipeline and everything on it
        noClasses().that().resideInAPackage("dev.lookupkeeper.pg..")
                .should().dependOnClassesThat(resideInAPackage("dev.lookupkeeper..")
                        .and(resideOutsideOfPackages("dev.lookupkeeper.pg..", "dev.lookupkeeper.core..", "dev.lookupkeeper.config..")))
                .check(main);
    }

    @Test
    void theBatchKnowsNoStage() {
        noClasses().that().resideInAPackage("dev.lookupkeeper.pipeline.batch..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.lookupkeeper.pipeline",
                        "dev.lookupkeeper.pipeline.source..", "dev.lookupkeeper.pipeline.sink..",
                        "dev.lookupkeeper.pipeline.checkpoint..")
                .check(main);
    }

    @Test
    void noStageKnowsTheWiring() {
        // pipeline/ itself is the one place that wires the stages; they do not call back into it
        noClasses().that().resideInAnyPackage("dev.lookupkeeper.pipeline.batch..", "dev.lookupkeeper.pipeline.source..",
                        "dev.lookupkeeper.pipeline.sink..", "dev.lookupkeeper.pipeline.checkpoint..")
                .should().dependOnClassesThat().resideInAPackage("dev.lookupkeeper.pipeline")
                .allowEmptyShould(true)
                .check(main);
    }

    @Test
    void eachLayerUsesOnlyTheLayersBelow() {
        layeredArchitecture().consideringOnlyDependenciesInAnyPackage("dev.lookupkeeper..")
                .layer("config").definedBy("dev.lookupkeeper.config..")
                .layer("core").definedBy("dev.lookupkeeper.core..")
                .layer("pg").definedBy("dev.lookupkeeper.pg..")
                .layer("mode").definedBy("dev.lookupkeeper.mode..")
                .layer("pipeline").definedBy("dev.lookupkeeper.pipeline..")
                .layer("selection").definedBy("dev.lookupkeeper.selection..")
                .layer("operations").definedBy("dev.lookupkeeper.operations..")
                .layer("http").definedBy("dev.lookupkeeper.http..")
                .layer("sidecar").definedBy("dev.lookupkeeper.sidecar..")
                .layer("faces").definedBy("dev.lookupkeeper.cli..", "dev.lookupkeeper.bench..", "dev.lookupkeeper.demo..")
                .whereLayer("config").mayNotAccessAnyLayer()
                .whereLayer("core").mayOnlyAccessLayers("config")
                .whereLayer("pg").mayOnlyAccessLayers("config", "core")
                .whereLayer("mode").mayOnlyAccessLayers("config", "core", "pg")
                .whereLayer("pipeline").mayOnlyAccessLayers("config", "core", "pg")
                .whereLayer("selection").mayOnlyAccessLayers("config", "core", "pg", "pipeline")
                .whereLayer("operations").mayOnlyAccessLayers("config", "core", "pg", "mode", "pipeline", "selection")
                .whereLayer("http").mayOnlyAccessLayers("config", "core", "pg", "mode", "pipeline", "selection", "operations")
                .whereLayer("sidecar").mayOnlyBeAccessedByLayers("faces")
                .whereLayer("faces").mayNotBeAccessedByAnyLayer()
                .check(main);
    }
}
