package dev.jshrew.engine.chicory;

import dev.jshrew.tck.ArchitectureConformanceTest;

class ChicoryArchitectureConformanceTest extends ArchitectureConformanceTest {}
