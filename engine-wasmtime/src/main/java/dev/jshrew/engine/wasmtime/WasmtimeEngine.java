package dev.jshrew.engine.wasmtime;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.CompiledModule;
import dev.jshrew.api.engine.EngineContext;
import dev.jshrew.api.engine.WasmEngine;
import dev.jshrew.api.memory.LinearMemoryProvider;
import dev.jshrew.engine.toolkit.wasm.KeyFilterModule;
import dev.jshrew.engine.toolkit.wasm.NanCanonicalizer;
import io.github.kawamuray.wasmtime.Config;
import io.github.kawamuray.wasmtime.Engine;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A started wasmtime engine: one wasmtime {@code Engine} with NaN canonicalisation on (METASHREW-ABI §7.6: every
 * NaN result canonical, for indexing and views alike), wasmtime's defaults otherwise (4 GiB static memories with
 * guard pages, 512 KiB of wasm stack, no threads). Thread-safe. Closing it disposes every module it compiled
 * and the engine; instances must be closed first.
 */
final class WasmtimeEngine implements WasmEngine {
    private final Config config;
    private final Engine engine;
    private final LinearMemoryProvider memory;
    private final Set<WasmtimeCompiledModule> modules = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Advances the epoch every {@link #EPOCH_TICK} once an instance has a call timeout; null before. */
    private ScheduledExecutorService ticker;

    private io.github.kawamuray.wasmtime.Module keyFilterModule;
    private io.github.kawamuray.wasmtime.Module valueTableModule;

    /** The epoch's period: a timed call stops between its timeout and about one tick later. */
    static final Duration EPOCH_TICK = Duration.ofMillis(10);

    WasmtimeEngine(EngineContext context) {
        context.rejectUnknownOptions(WasmtimeEngineProvider.NAME);
        // wasmtime owns guest memory here: the provider's reservation is not used; it commits and protects
        // wasmtime's own mapping (with its configured strategy).
        this.memory = context.memoryProvider();
        NativeLibrary.load();
        Config c = new Config();
        try {
            c.craneliftNanCanonicalization(true);
            // Call timeouts (views): compiled code checks the engine's epoch at function entries and loop headers;
            // a timed call's store gets a deadline in ticks of EPOCH_TICK, every other call effectively none.
            c.epochInterruption(true);
            this.engine = new Engine(c);
        } catch (RuntimeException e) { // the binding reports native failures as plain RuntimeExceptions
            c.dispose();
            throw new JshrewException(
                    ErrorCode.ENGINE_UNAVAILABLE, "engine wasmtime cannot start: " + e.getMessage(), e);
        }
        this.config = c;
    }

    @Override
    public String name() {
        return WasmtimeEngineProvider.NAME;
    }

    @Override
    public java.util.Set<dev.jshrew.api.engine.EngineCapability> capabilities() {
        return new WasmtimeEngineProvider().capabilities();
    }

    Engine engine() {
        return engine;
    }

    LinearMemoryProvider memory() {
        return memory;
    }

    /** {@link KeyFilterModule}, compiled once (at the first instance with a key filter). */
    synchronized io.github.kawamuray.wasmtime.Module keyFilterModule() {
        if (closed.get()) {
            throw new IllegalStateException("engine wasmtime is closed");
        }
        if (keyFilterModule == null) {
            keyFilterModule = io.github.kawamuray.wasmtime.Module.fromBinary(engine, KeyFilterModule.bytes());
        }
        return keyFilterModule;
    }

    /** {@link dev.jshrew.engine.toolkit.wasm.ValueTableModule}, compiled once (at the first instance with a table). */
    synchronized io.github.kawamuray.wasmtime.Module valueTableModule() {
        if (closed.get()) {
            throw new IllegalStateException("engine wasmtime is closed");
        }
        if (valueTableModule == null) {
            valueTableModule = io.github.kawamuray.wasmtime.Module.fromBinary(
                    engine, dev.jshrew.engine.toolkit.wasm.ValueTableModule.bytes());
        }
        return valueTableModule;
    }

    @Override
    public CompiledModule compile(String moduleName, byte[] wasm) {
        if (closed.get()) {
            throw new IllegalStateException("engine wasmtime is closed");
        }
        // wasmtime 7's cranelift NaN canonicalisation misses f32.demote_f64 and f64.promote_f32 (found by the kit's
        // C-66 test): canonicalise in the module as the other engines do; the engine setting stays on as well.
        byte[] canonical;
        try {
            canonical = NanCanonicalizer.canonicalize(moduleName, wasm);
        } catch (JshrewException e) {
            throw new JshrewException(e.code(), "engine " + WasmtimeEngineProvider.NAME + ", " + e.getMessage(), e);
        }
        WasmtimeCompiledModule module = WasmtimeCompiledModule.compile(this, moduleName, canonical);
        modules.add(module);
        if (closed.get()) {
            module.dispose();
            throw new IllegalStateException("engine wasmtime is closed");
        }
        return module;
    }

    /**
     * The epoch deadline, in ticks beyond the current epoch, of a call limited to {@code timeout}, and starts the
     * ticker. With a fixed delay between ticks (never a catch-up burst after a stall) n ticks take at least
     * (n − 1) × {@link #EPOCH_TICK}: one tick more than the timeout needs means a call is never stopped early.
     */
    synchronized long deadlineTicks(Duration timeout) {
        if (closed.get()) {
            throw new IllegalStateException("engine wasmtime is closed");
        }
        if (ticker == null) {
            ticker = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("jshrew-wasmtime-epoch").daemon().factory());
            long period = EPOCH_TICK.toNanos();
            ticker.scheduleWithFixedDelay(engine::incrementEpoch, period, period, TimeUnit.NANOSECONDS);
        }
        long tick = EPOCH_TICK.toNanos();
        return (timeout.toNanos() + tick - 1) / tick + 1;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            synchronized (this) {
                if (ticker != null) {
                    ticker.shutdownNow();
                    try {
                        ticker.awaitTermination(5, TimeUnit.SECONDS); // the engine must outlive the last tick
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            modules.forEach(WasmtimeCompiledModule::dispose);
            modules.clear();
            synchronized (this) {
                if (keyFilterModule != null) {
                    keyFilterModule.dispose();
                    keyFilterModule = null;
                }
                if (valueTableModule != null) {
                    valueTableModule.dispose();
                    valueTableModule = null;
                }
            }
            engine.dispose();
            config.dispose();
        }
    }
}
