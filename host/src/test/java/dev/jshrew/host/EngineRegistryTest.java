package dev.jshrew.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.SpiVersion;
import dev.jshrew.api.engine.EngineCapability;
import dev.jshrew.api.engine.EngineContext;
import dev.jshrew.api.engine.EngineInfo;
import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.api.engine.WasmEngineProvider;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EngineRegistryTest {
    record Fake(String name, int spiVersion) implements WasmEngineProvider {
        @Override
        public EngineInfo info() {
            return new EngineInfo(name, "fake", "1");
        }

        @Override
        public Set<EngineCapability> capabilities() {
            return Set.of();
        }

        @Override
        public WasmEngine create(EngineContext context) {
            context.option("known");
            context.rejectUnknownOptions(name);
            throw new UnsupportedOperationException("fake engines do not run");
        }
    }

    static JshrewException failure(Runnable r) {
        try {
            r.run();
        } catch (JshrewException e) {
            return e;
        }
        throw new AssertionError("expected a JshrewException");
    }

    @Test
    void resolvesByNameOrTheOnlyOne() {
        var one = new EngineRegistry(List.of(new Fake("a", SpiVersion.MAJOR)));
        assertThat(one.resolve(null).name()).isEqualTo("a");
        var two = new EngineRegistry(List.of(new Fake("a", SpiVersion.MAJOR), new Fake("b", SpiVersion.MAJOR)));
        assertThat(two.resolve("b").name()).isEqualTo("b");
        assertThat(failure(() -> two.resolve(null)).getMessage())
                .contains("choose one with --engine")
                .contains("a, b");
    }

    @Test
    void unknownNameListsWhatExists() {
        var registry = new EngineRegistry(List.of(new Fake("a", SpiVersion.MAJOR)));
        JshrewException e = failure(() -> registry.resolve("zzz"));
        assertThat(e.code()).isEqualTo(ErrorCode.ENGINE_UNAVAILABLE);
        assertThat(e.getMessage())
                .contains("no engine named 'zzz'")
                .contains("a (")
                .contains(Fake.class.getName());
        assertThat(failure(() -> new EngineRegistry(List.of()).resolve(null)).getMessage())
                .contains("no WebAssembly engine found");
    }

    @Test
    void duplicatesAndVersionMismatchesAreRefused() {
        JshrewException dup = failure(() -> new EngineRegistry(List.of(new Fake("a", 1), new Fake("a", 1))));
        assertThat(dup.getMessage()).contains("provided twice");
        var old = new EngineRegistry(List.of(new Fake("old", SpiVersion.MAJOR + 1)));
        assertThat(failure(() -> old.resolve("old")).getMessage())
                .contains("SPI version " + (SpiVersion.MAJOR + 1))
                .contains("SPI version " + SpiVersion.MAJOR);
    }

    @Test
    void unknownEngineOptionsAreRefused() {
        var registry = new EngineRegistry(List.of(new Fake("a", SpiVersion.MAJOR)));
        JshrewException e = failure(() -> registry.create("a", Map.of("known", "1", "bogus", "2"), (r, c) -> null));
        assertThat(e.code()).isEqualTo(ErrorCode.INPUT);
        assertThat(e.getMessage()).contains("bogus").doesNotContain("known");
        assertThatThrownBy(() -> registry.create("a", Map.of("known", "1"), (r, c) -> null))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
