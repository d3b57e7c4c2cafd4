package dev.jshrew.engine.graalwasm;

import dev.jshrew.tck.ArchitectureConformanceTest;

class GraalwasmArchitectureConformanceTest extends ArchitectureConformanceTest {}
