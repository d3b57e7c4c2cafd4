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
 * A started wasmtime engine: two wasmtime {@code Engine}s with NaN canonicalisation on (METASHREW-ABI §7.6: every
 * NaN result canonical, for indexing and views alike), wasmtime's defaults otherwise (4 GiB static memories with
 * guard pages, 512 KiB of wasm stack, no threads). One compiles code that checks the engine's epoch at function
 * entries and loop headers, for instances with a call timeout (views); the other, for every other instance (the
 * indexer: indexing never times out), compiles code without those checks, which cost about 6 % of a block of our
 * Rust indexer (BuildCompare over the quick chain, commits one at a time and overlapped). A module is compiled on
 * the one its instances need, at their first instantiation. Thread-safe. Closing it disposes every module it
 * compiled and both engines; instances must be closed first.
 */
final class WasmtimeEngine implements WasmEngine {
    /** One wasmtime engine and the small modules compiled on it. */
    private static final class Flavour {
        final Config config;
        final Engine engine;
        io.github.kawamuray.wasmtime.Module keyFilterModule;
        io.github.kawamuray.wasmtime.Module valueTableModule;

        Flavour(boolean timed) {
            Config c = new Config();
            try {
                c.craneliftNanCanonicalization(true);
                // Call timeouts (views): compiled code checks the engine's epoch at function entries and loop
                // headers; a timed call's store gets a deadline in ticks of EPOCH_TICK, every other call none.
                c.epochInterruption(timed);
                this.engine = new Engine(c);
            } catch (RuntimeException e) { // the binding reports native failures as plain RuntimeExceptions
                c.dispose();
                throw new JshrewException(
                        ErrorCode.ENGINE_UNAVAILABLE, "engine wasmtime cannot start: " + e.getMessage(), e);
            }
            this.config = c;
        }

        void dispose() {
            if (keyFilterModule != null) {
                keyFilterModule.dispose();
                keyFilterModule = null;
            }
            if (valueTableModule != null) {
                valueTableModule.dispose();
                valueTableModule = null;
            }
            engine.dispose();
            config.dispose();
        }
    }

    private final Flavour timed;
    private final Flavour untimed;
    private final LinearMemoryProvider memory;
    private final Set<WasmtimeCompiledModule> modules = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Advances the timed engine's epoch every {@link #EPOCH_TICK} once an instance has a call timeout; null before. */
    private ScheduledExecutorService ticker;

    /** The epoch's period: a timed call stops between its timeout and about one tick later. */
    static final Duration EPOCH_TICK = Duration.ofMillis(10);

    WasmtimeEngine(EngineContext context) {
        context.rejectUnknownOptions(WasmtimeEngineProvider.NAME);
        // wasmtime owns guest memory here: the provider's reservation is not used; it commits and protects
        // wasmtime's own mapping (with its configured strategy).
        this.memory = context.memoryProvider();
        NativeLibrary.load();
        this.timed = new Flavour(true);
        try {
            this.untimed = new Flavour(false);
        } catch (RuntimeException e) {
            timed.dispose();
            throw e;
        }
    }

    @Override
    public String name() {
        return WasmtimeEngineProvider.NAME;
    }

    @Override
    public java.util.Set<dev.jshrew.api.engine.EngineCapability> capabilities() {
        return new WasmtimeEngineProvider().capabilities();
    }

    /** The engine whose code checks the epoch (for instances with a call timeout), or the one whose code does not. */
    Engine engine(boolean timedCalls) {
        return (timedCalls ? timed : untimed).engine;
    }

    LinearMemoryProvider memory() {
        return memory;
    }

    /** {@link KeyFilterModule} on {@link #engine(boolean)}, compiled once (at the first instance with a filter). */
    synchronized io.github.kawamuray.wasmtime.Module keyFilterModule(boolean timedCalls) {
        Flavour f = open(timedCalls);
        if (f.keyFilterModule == null) {
            f.keyFilterModule = io.github.kawamuray.wasmtime.Module.fromBinary(f.engine, KeyFilterModule.bytes());
        }
        return f.keyFilterModule;
    }

    /**
     * {@link dev.jshrew.engine.toolkit.wasm.ValueTableModule} on {@link #engine(boolean)}, compiled once (at the first
     * instance with a table).
     */
    synchronized io.github.kawamuray.wasmtime.Module valueTableModule(boolean timedCalls) {
        Flavour f = open(timedCalls);
        if (f.valueTableModule == null) {
            f.valueTableModule = io.github.kawamuray.wasmtime.Module.fromBinary(
                    f.engine, dev.jshrew.engine.toolkit.wasm.ValueTableModule.bytes());
        }
        return f.valueTableModule;
    }

    private Flavour open(boolean timedCalls) {
        if (closed.get()) {
            throw new IllegalStateException("engine wasmtime is closed");
        }
        return timedCalls ? timed : untimed;
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
            ticker.scheduleWithFixedDelay(timed.engine::incrementEpoch, period, period, TimeUnit.NANOSECONDS);
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
                timed.dispose();
                untimed.dispose();
            }
        }
    }
}
