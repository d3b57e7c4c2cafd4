package dev.jshrew.tck;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.api.engine.GuestTrapException;
import dev.jshrew.api.engine.Trap;
import dev.jshrew.api.engine.WasmEngineProvider;
import dev.jshrew.api.storage.BlockCommit;
import dev.jshrew.api.storage.ForwardingKeyValueStore;
import dev.jshrew.api.storage.KeyValueStore;
import dev.jshrew.host.EngineRegistry;
import dev.jshrew.host.GuestCallException;
import dev.jshrew.host.Hashes;
import dev.jshrew.host.Indexer;
import dev.jshrew.host.IndexerHistory;
import dev.jshrew.host.ResetMode;
import dev.jshrew.host.RunOptions;
import dev.jshrew.host.StateRoot;
import dev.jshrew.host.abi.FlushDecoder;
import dev.jshrew.host.abi.FlushDecoder.Pair;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The host-ABI conformance kit: METASHREW-ABI §9 items C-01…C-39 and the bad-input rules, run end to end
 * (engine, host ABI, RocksDB) against {@code guests/wat/probe.wat} and friends. Every engine subclasses this
 * unchanged as {@code <Engine>EngineConformanceTest}.
 */
public abstract class EngineConformanceTest extends EngineTest {

    private final List<Harness> open = new ArrayList<>();

    @AfterEach
    void closeHarnesses() {
        open.forEach(Harness::close);
        open.clear();
    }

    protected Harness harness(String guest) {
        return harness(guest, "db");
    }

    protected Harness harness(String guest, String dbName) {
        Harness h = new Harness(
                engineName(), engineOptions(), guest, temp.resolve(dbName), Harness.testOptions(ResetMode.FAST));
        open.add(h);
        return h;
    }

    protected Harness probe() {
        return harness("wat/probe.wasm");
    }

    static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    static byte[] u32(long v) {
        return ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt((int) v)
                .array();
    }

    static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] ee(int n) {
        byte[] r = new byte[n];
        Arrays.fill(r, (byte) 0xEE);
        return r;
    }

    /** A {@code __flush} payload of the given key/value pairs (UTF-8). */
    public static byte[] flush(String... kv) {
        List<Pair> pairs = new ArrayList<>();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            pairs.add(new Pair(b(kv[i]), b(kv[i + 1])));
        }
        return FlushDecoder.encode(pairs);
    }

    /** What the probe's GET op records: u32 len, then EE×4 ‖ value ‖ EE×4. */
    static byte[] getObservation(byte[] value) {
        return concat(u32(value.length), ee(4), value, ee(4));
    }

    /** A view through the probe that reads one key at a height. */
    static byte[] viewValue(Harness h, String key, long height) {
        byte[] obs = h.view("probe", Script.of().get(key).ops(), height);
        int len = ByteBuffer.wrap(obs).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        return Arrays.copyOfRange(obs, 8, 8 + len);
    }

    /** A block's writes as "key=value" hex lines, comparable with equals. */
    static List<String> hexDump(java.util.NavigableMap<byte[], byte[]> writes) {
        return writes.entrySet().stream()
                .map(e -> Hashes.hex(e.getKey()) + "=" + Hashes.hex(e.getValue()))
                .toList();
    }

    static GuestCallException failure(Runnable r) {
        AtomicReference<GuestCallException> caught = new AtomicReference<>();
        assertThatThrownBy(r::run).isInstanceOfSatisfying(GuestCallException.class, caught::set);
        return caught.get();
    }

    static Trap trapOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof GuestTrapException g) {
                return g.trap();
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- discovery

    @Test
    @DisplayName("discovery: ServiceLoader finds the engine; META-INF/services and module-info provides agree")
    void discovery() throws IOException {
        WasmEngineProvider provider = EngineRegistry.load().resolve(engineName());
        assertThat(provider.name()).isEqualTo(engineName()).matches("[a-z][a-z0-9-]*");
        assertThat(provider.info().version()).isNotBlank();
        Class<?> type = provider.getClass();
        assertThat(java.lang.reflect.Modifier.isFinal(type.getModifiers()))
                .as("provider class is final")
                .isTrue();
        var location = type.getProtectionDomain().getCodeSource().getLocation();
        Path root = Path.of(java.net.URI.create(location.toString()));
        ModuleDescriptor descriptor;
        List<String> services;
        if (java.nio.file.Files.isDirectory(root)) {
            try (InputStream in = java.nio.file.Files.newInputStream(root.resolve("module-info.class"))) {
                descriptor = ModuleDescriptor.read(in);
            }
            services = java.nio.file.Files.readAllLines(
                    root.resolve("META-INF/services/" + WasmEngineProvider.class.getName()));
        } else {
            try (var jar = new java.util.jar.JarFile(root.toFile())) {
                try (InputStream in = jar.getInputStream(jar.getEntry("module-info.class"))) {
                    descriptor = ModuleDescriptor.read(in);
                }
                try (InputStream in =
                        jar.getInputStream(jar.getEntry("META-INF/services/" + WasmEngineProvider.class.getName()))) {
                    services = new String(in.readAllBytes(), UTF_8).lines().toList();
                }
            }
        }
        List<String> provides = descriptor.provides().stream()
                .filter(p -> p.service().equals(WasmEngineProvider.class.getName()))
                .flatMap(p -> p.providers().stream())
                .toList();
        assertThat(provides).containsExactly(type.getName());
        assertThat(services.stream()
                        .map(String::strip)
                        .filter(s -> !s.isEmpty() && !s.startsWith("#"))
                        .toList())
                .containsExactly(type.getName());
        assertThat(getClass().getSimpleName()).as("test naming convention").endsWith("EngineConformanceTest");
    }

    // ---------------------------------------------------------------- ABI and input

    @Test
    @DisplayName("C-01 an unknown import links; calling it traps and fails the block")
    void c01() {
        Harness h = probe();
        h.index(0, Script.of().flush(flush("a", "1")).block());
        GuestCallException e = failure(() ->
                h.index(1, Script.of().flush(flush("b", "2")).unknownImport().block()));
        assertThat(e.code()).isEqualTo(ErrorCode.TRAP);
        assertThat(trapOf(e)).isEqualTo(Trap.UNKNOWN_IMPORT);
        assertThat(h.store().tip()).hasValue(0);
        assertThat(h.get("b", 5)).isEmpty();
    }

    @Test
    @DisplayName("C-02 __log without abort and abort without __log both link; a mistyped import does not")
    void c02() {
        Harness logOnly = harness("wat/log-only.wasm", "a");
        logOnly.index(0, new byte[80]);
        assertThat(logOnly.logs()).containsExactly("hi\n");
        Harness abortOnly = harness("wat/abort-only.wasm", "b");
        abortOnly.index(0, new byte[80]);
        assertThat(abortOnly.store().tip()).hasValue(0);
        assertThatThrownBy(() -> harness("wat/mistyped.wasm", "c")).isInstanceOfSatisfying(JshrewException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.LINK);
            assertThat(e.getMessage()).contains("__get").contains("mistyped.wasm");
        });
    }

    @Test
    @DisplayName("C-03 in Index(H,B), __host_len() = len(B)+4")
    void c03() {
        Harness h = probe();
        byte[] block = Script.of().hostLen().obsFlush("len").block();
        h.index(7, block);
        assertThat(h.get("len", 7)).isEqualTo(u32(block.length + 4));
    }

    @Test
    @DisplayName("C-04 __load_input writes u32le(H) ‖ B and nothing before or after it")
    void c04() {
        Harness h = probe();
        byte[] block = Script.of().input().obsFlush("in").block();
        h.index(300, block);
        assertThat(h.get("in", 300)).isEqualTo(concat(ee(4), u32(300), block, ee(4)));
    }

    @Test
    @DisplayName("C-05 in View(V,fn,I): __host_len = len(I)+4, input u32le(V) ‖ I; with I empty, the 4 height bytes")
    void c05() {
        Harness h = probe();
        h.index(0, Script.of().flush(flush()).block());
        byte[] ops = Script.of().hostLen().ops();
        assertThat(h.view("probe", ops, 9)).isEqualTo(u32(ops.length + 4));
        assertThat(h.view("input_echo", b("xyz"), 12)).isEqualTo(concat(u32(12), b("xyz")));
        assertThat(h.view("input_echo", new byte[0], 0x01020304)).isEqualTo(u32(0x01020304));
    }

    @Test
    @DisplayName("C-06 the same block at two heights: only the first 4 input bytes differ")
    void c06() {
        Harness h = probe();
        byte[] block = Script.of().input().obsFlush("in").block();
        h.index(5, block);
        h.index(6, block);
        byte[] at5 = h.get("in", 5);
        byte[] at6 = h.get("in", 6);
        assertThat(Arrays.copyOfRange(at5, 4, 8)).isEqualTo(u32(5));
        assertThat(Arrays.copyOfRange(at6, 4, 8)).isEqualTo(u32(6));
        assertThat(Arrays.copyOfRange(at5, 8, at5.length)).isEqualTo(Arrays.copyOfRange(at6, 8, at6.length));
    }

    @Test
    @DisplayName("C-07 __get_len of a missing key is 0 and __get leaves the destination unchanged")
    void c07() {
        Harness h = probe();
        h.index(0, Script.of().get("missing").obsFlush("o").block());
        assertThat(h.get("o", 0)).isEqualTo(getObservation(new byte[0]));
    }

    @Test
    @DisplayName("C-08 a key written as empty reads as length 0, like a missing one")
    void c08() {
        Harness h = probe();
        h.index(1, Script.of().flush(flush("k", "")).block());
        h.index(2, Script.of().get("k").obsFlush("o").block());
        assertThat(h.get("o", 2)).isEqualTo(getObservation(new byte[0]));
    }

    @Test
    @DisplayName("C-09 __get writes exactly __get_len bytes at v and never v-4..v-1")
    void c09() {
        Harness h = probe();
        h.index(1, Script.of().flush(flush("k", "value-bytes")).block());
        h.index(2, Script.of().get("k").obsFlush("o").block());
        assertThat(h.get("o", 2)).isEqualTo(getObservation(b("value-bytes")));
    }

    @Test
    @DisplayName("C-10 __get_len of an invalid key buffer (pointer 0..3, length past the end) is 0x7FFFFFFF")
    void c10() {
        Harness h = probe();
        long p = 0x9000;
        h.index(
                0,
                Script.of()
                        .rawGetLen(0)
                        .rawGetLen(1)
                        .rawGetLen(2)
                        .rawGetLen(3)
                        .poke(p - 4, u32(0xFFFF_FF00L))
                        .rawGetLen(p)
                        .rawGetLen(0x7FFF_0000L)
                        .poke(p + 0x100 - 4, u32(1))
                        .rawGetLen(p + 0x100)
                        .rawGet(1, p + 0x200)
                        .load(p + 0x200 - 4)
                        .load(p + 0x200 - 1)
                        .load(p + 0x200)
                        .obsFlush("o")
                        .block());
        assertThat(h.get("o", 0))
                .isEqualTo(concat(
                        u32(0x7FFFFFFF),
                        u32(0x7FFFFFFF),
                        u32(0x7FFFFFFF),
                        u32(0x7FFFFFFF),
                        u32(0x7FFFFFFF),
                        u32(0x7FFFFFFF),
                        u32(0),
                        u32(0xFF),
                        u32(0x7F),
                        u32(0)));
    }

    /** A key buffer at {@code p}: its u32 length at p-4, then its bytes. */
    private static Script keyAt(Script s, long p, String key) {
        return s.poke(p - 4, concat(u32(key.length()), b(key)));
    }

    /** Appends the {@code n} bytes at {@code p}, one LOAD (a u32 each) per byte. */
    private static Script loads(Script s, long p, int n) {
        for (int i = 0; i < n; i++) {
            s = s.load(p + i);
        }
        return s;
    }

    /**
     * View ops: the key buffer at {@code p}, {@code n} zero bytes at {@code out}, {@code __get(p, out)}, then those
     * bytes.
     */
    private static byte[] readInto(long p, String key, long out, int n) {
        return loads(keyAt(Script.of(), p, key).poke(out, new byte[n]).rawGet(p, out), out, n)
                .ops();
    }

    private static byte[] loaded(byte[] bytes) {
        byte[][] parts = new byte[bytes.length][];
        for (int i = 0; i < bytes.length; i++) {
            parts[i] = u32(bytes[i] & 0xFF);
        }
        return concat(parts);
    }

    @Test
    @DisplayName("__get answers as the store is at its own call: a flush or a changed key after __get_len counts")
    void getAfterGetLenAnswersAtItsOwnCall() {
        Harness h = probe();
        long key = 0x9000, out = 0x9100;
        // height 0 reads its own writes: a flush between __get_len and __get changes the answer
        Script s = keyAt(Script.of(), key, "kkkk")
                .flush(flush("kkkk", "ab"))
                .rawGetLen(key)
                .flush(flush("kkkk", "xyz"))
                .poke(out, new byte[] {0x11, 0x11, 0x11, 0x11, 0x11})
                .rawGet(key, out);
        h.index(0, loads(s, out, 5).obsFlush("o").block());
        assertThat(h.get("o", 0)).isEqualTo(concat(u32(2), loaded(concat(b("xyz"), new byte[] {0x11, 0x11}))));
        // the key's bytes or its length word changed between the two calls: the changed key's value
        h.index(
                1,
                Script.of()
                        .flush(flush("key-1", "first", "key-2", "second", "key-", "third"))
                        .block());
        Script changed = keyAt(Script.of(), key, "key-1")
                .rawGetLen(key)
                .poke(key + 4, b("2"))
                .poke(out, new byte[8])
                .rawGet(key, out);
        changed = loads(changed, out, 7)
                .rawGetLen(key)
                .poke(key - 4, u32(4))
                .poke(out, new byte[8])
                .rawGet(key, out);
        h.index(2, loads(changed, out, 6).obsFlush("o").block());
        assertThat(h.get("o", 2))
                .isEqualTo(concat(
                        u32(5),
                        loaded(concat(b("second"), new byte[1])),
                        u32(6),
                        loaded(concat(b("third"), new byte[1]))));
    }

    @Test
    @DisplayName("a view's __get answers at the view's height, whatever an earlier view's __get_len answered")
    void viewsReadAtTheirOwnHeight() {
        Harness h = probe();
        long key = 0x9000, out = 0x9100;
        h.index(1, Script.of().flush(flush("view-key", "one")).block());
        h.index(2, Script.of().flush(flush("view-key", "two-2")).block());
        assertThat(h.view(
                        "probe",
                        keyAt(Script.of(), key, "view-key").rawGetLen(key).ops(),
                        1))
                .isEqualTo(u32(3));
        byte[] read = readInto(key, "view-key", out, 6);
        assertThat(h.view("probe", read, 2)).isEqualTo(loaded(concat(b("two-2"), new byte[1])));
        assertThat(h.view("probe", read, 1)).isEqualTo(loaded(concat(b("one"), new byte[3])));
    }

    @Test
    @DisplayName("a preview's view reads its block's writes, whatever the block's __get_len read before writing")
    void previewReadsTheBlocksWritesAfterItsGetLen() {
        Harness h = probe();
        long key = 0x9000, out = 0x9100;
        h.index(1, Script.of().flush(flush("preview-key", "old")).block());
        byte[] block = keyAt(Script.of(), key, "preview-key")
                .rawGetLen(key)
                .flush(flush("preview-key", "new-value"))
                .block();
        byte[] view = readInto(key, "preview-key", out, 10);
        try (var views =
                new dev.jshrew.host.ViewRunner(h.module(), h.store(), Harness.testOptions(ResetMode.FAST), s -> {})) {
            assertThat(views.preview(block, "probe", view, 0)).isEqualTo(loaded(concat(b("new-value"), new byte[1])));
            assertThat(views.view("probe", view, 1)).isEqualTo(loaded(concat(b("old"), new byte[7])));
        }
    }

    @Test
    @DisplayName("C-11 __log has no effect on state; invalid pointers and invalid UTF-8 do not trap")
    void c11() {
        Harness with = harness("wat/probe.wasm", "with");
        Harness without = harness("wat/probe.wasm", "without");
        byte[] plain = Script.of().flush(flush("a", "1")).block();
        byte[] logged = Script.of()
                .log(b("héllo"))
                .rawLog(0x7FFF_FFF0L)
                .rawLog(1)
                .log(new byte[] {(byte) 0xFF, (byte) 0xFE})
                .flush(flush("a", "1"))
                .block();
        var r1 = with.index(0, logged);
        var r2 = without.index(0, plain);
        assertThat(with.logs()).containsExactly("héllo");
        assertThat(hexDump(with.store().blockWrites(0)))
                .isEqualTo(hexDump(without.store().blockWrites(0)));
        assertThat(r1.pairs()).isEqualTo(r2.pairs());
        assertThat(with.get("a", 0)).isEqualTo(b("1"));
    }

    @Test
    @DisplayName("C-12 abort fails the block even when the guest would carry on")
    void c12() {
        Harness h = probe();
        GuestCallException e = failure(() -> h.index(
                0,
                Script.of()
                        .flush(flush("a", "1"))
                        .abort()
                        .flush(flush("b", "2"))
                        .block()));
        assertThat(e.code()).isEqualTo(ErrorCode.TRAP);
        assertThat(trapOf(e)).isEqualTo(Trap.HOST);
        assertThat(e.getMessage())
                .contains("abort")
                .contains("height 0")
                .contains(engineName())
                .contains("probe.wasm");
        assertThat(h.store().tip()).isEmpty();
        assertThat(h.get("a", 0)).isEmpty();
    }

    @Test
    @DisplayName("C-13 a view result is exactly the u32le(r-4) bytes at r")
    void c13() {
        Harness h = probe();
        h.index(0, Script.of().flush(flush()).block());
        assertThat(h.view("probe", Script.of().hostLen().size().ops(), 0)).hasSize(8);
    }

    @Test
    @DisplayName("C-14 a view returning -1 or 0 gives an empty result, not an error")
    void c14() {
        Harness h = probe();
        assertThat(h.view("minus_one", new byte[0], 0)).isEmpty();
        assertThat(h.view("zero", new byte[0], 0)).isEmpty();
    }

    @Test
    @DisplayName("C-15 a trapping view is an error; a missing view says 'Failed to get view function'")
    void c15() {
        Harness h = probe();
        GuestCallException trap =
                failure(() -> h.view("probe", Script.of().trap().ops(), 0));
        assertThat(trap.code()).isEqualTo(ErrorCode.TRAP);
        assertThat(trapOf(trap)).isEqualTo(Trap.UNREACHABLE);
        assertThat(trap.stage()).isEqualTo(GuestCallException.Stage.VIEW);
        GuestCallException missing = failure(() -> h.view("nosuchview", new byte[0], 0));
        assertThat(missing.getMessage()).contains("Failed to get view function 'nosuchview'");
        // callers tell a missing view from a failing one by its stage, never by its text
        assertThat(missing.stage()).isEqualTo(GuestCallException.Stage.VIEW_MISSING);
        assertThat(missing.code()).isEqualTo(ErrorCode.LINK);
        assertThat(List.of(missing.engine(), missing.module(), missing.height()))
                .containsExactly(engineName(), h.module().name(), 0L);
    }

    @Test
    @DisplayName("a failure says its stage: a block's _start, a preview's stage 1, a view")
    void failuresCarryTheirStage() {
        Harness h = probe();
        h.index(0, Script.of().flush(flush("a", "1")).block());
        GuestCallException block = failure(() -> h.index(1, Script.of().trap().block()));
        assertThat(block.stage()).isEqualTo(GuestCallException.Stage.START);
        assertThat(block.height()).isEqualTo(1);
        assertThat(block.getMessage())
                .startsWith("engine " + engineName() + ", module " + h.module().name() + ", height 1: ");
        try (var views =
                new dev.jshrew.host.ViewRunner(h.module(), h.store(), Harness.testOptions(ResetMode.FAST), s -> {})) {
            GuestCallException stage1 =
                    failure(() -> views.preview(Script.of().trap().block(), "probe", new byte[0], 0));
            assertThat(stage1.stage()).isEqualTo(GuestCallException.Stage.PREVIEW_START);
            assertThat(stage1.height()).isEqualTo(1);
            assertThat(stage1.getMessage()).contains("view at height 1: preview stage 1 (_start): ");
            GuestCallException stage2 = failure(
                    () -> views.preview(Script.of().flush(flush("b", "2")).block(), "nosuchview", new byte[0], 0));
            assertThat(stage2.stage()).isEqualTo(GuestCallException.Stage.VIEW_MISSING);
        }
    }

    @Test
    @DisplayName("C-16 an export of another type than () -> i32 cannot be called as a view")
    void c16() {
        Harness h = probe();
        assertThat(failure(() -> h.view("notaview", new byte[0], 0)).code()).isEqualTo(ErrorCode.LINK);
        assertThat(failure(() -> h.view("notaview", new byte[0], 0)).stage()).isEqualTo(GuestCallException.Stage.VIEW);
        assertThat(failure(() -> h.view("noresult", new byte[0], 0)).code()).isEqualTo(ErrorCode.LINK);
    }

    static byte[] pristineState() {
        // counter=1, cell=1, started=1, data [0x104]=42, start marker [0x108]=1
        return concat(u32(1), u32(1), u32(1), u32(42), u32(1));
    }

    @Test
    @DisplayName("C-17 every block runs on pristine state (globals, statics, data)")
    void c17() {
        Harness h = probe();
        for (int height = 0; height < 5; height++) {
            h.index(height, Script.of().state().state().obsFlush("s").block(height));
            assertThat(h.get("s", height))
                    .as("height %d", height)
                    .isEqualTo(concat(pristineState(), u32(2), u32(2), u32(1), u32(43), u32(1)));
        }
    }

    @Test
    @DisplayName("C-18 every view call runs on a pristine instance")
    void c18() {
        Harness h = probe();
        for (int i = 0; i < 4; i++) {
            assertThat(h.view("probe", Script.of().state().ops(), 0)).isEqualTo(pristineState());
        }
    }

    @Test
    @DisplayName("C-19 the start function runs before _start and before every view")
    void c19() {
        Harness h = probe();
        h.index(0, Script.of().state().obsFlush("s").block());
        assertThat(Arrays.copyOfRange(h.get("s", 0), 8, 12)).isEqualTo(u32(1));
        assertThat(Arrays.copyOfRange(h.view("probe", Script.of().state().ops(), 0), 16, 20))
                .isEqualTo(u32(1));
    }

    // ---------------------------------------------------------------- flush

    @Test
    @DisplayName("C-20 a flush a→1 at H is visible to View(H) and missing at View(H-1)")
    void c20() {
        Harness h = probe();
        h.index(9, Script.of().flush(HexFormat.of().parseHex("0a01610a0131")).block());
        assertThat(viewValue(h, "a", 9)).isEqualTo(b("1"));
        assertThat(viewValue(h, "a", 8)).isEmpty();
    }

    @Test
    @DisplayName("C-21 an empty flush payload is accepted, writes nothing, and completes the block")
    void c21() {
        Harness h = probe();
        var r = h.index(0, Script.of().flush(new byte[0]).block());
        assertThat(r.pairs()).isZero();
        assertThat(h.store().tip()).hasValue(0);
        assertThat(h.store().blockWrites(0)).isEmpty();
    }

    @Test
    @DisplayName("C-22 an odd item count ignores the last item")
    void c22() {
        Harness h = probe();
        h.index(
                0,
                Script.of().flush(HexFormat.of().parseHex("0a01610a01310a0162")).block());
        assertThat(h.get("a", 0)).isEqualTo(b("1"));
        assertThat(h.store().blockWrites(0)).hasSize(1);
    }

    @Test
    @DisplayName("C-23 unknown protobuf fields are skipped")
    void c23() {
        Harness h = probe();
        h.index(
                0,
                Script.of().flush(HexFormat.of().parseHex("10050a01610a0131")).block());
        assertThat(h.get("a", 0)).isEqualTo(b("1"));
    }

    @Test
    @DisplayName("C-24/C-31 field 1 with wire type 0 is a decode error: the block fails and writes nothing")
    void c24() {
        Harness h = probe();
        GuestCallException e = failure(() -> h.index(
                0,
                Script.of()
                        .flush(flush("a", "1"))
                        .flush(HexFormat.of().parseHex("0801"))
                        .block()));
        assertThat(e.code()).isEqualTo(ErrorCode.GUEST_ABI);
        assertThat(e.getMessage()).contains("KeyValueFlush");
        assertThat(h.store().tip()).isEmpty();
        assertThat(h.get("a", 0)).isEmpty();
    }

    @Test
    @DisplayName("C-25 the same key twice in one flush: the later value wins")
    void c25() {
        Harness h = probe();
        h.index(0, Script.of().flush(flush("a", "1", "a", "2")).block());
        assertThat(h.get("a", 0)).isEqualTo(b("2"));
    }

    @Test
    @DisplayName("C-26 two flushes in block H>0: the second wins; a __get between them sees H-1")
    void c26() {
        Harness h = probe();
        h.index(1, Script.of().flush(flush("k", "0")).block());
        h.index(
                2,
                Script.of()
                        .flush(flush("k", "1"))
                        .get("k")
                        .obsFlush("o")
                        .flush(flush("k", "2"))
                        .block());
        assertThat(h.get("o", 2)).isEqualTo(getObservation(b("0")));
        assertThat(viewValue(h, "k", 2)).isEqualTo(b("2"));
        assertThat(viewValue(h, "k", 1)).isEqualTo(b("0"));
    }

    @Test
    @DisplayName("C-27 at H=0 a __get after a flush in the same block sees the flushed value")
    void c27() {
        Harness h = probe();
        h.index(0, Script.of().flush(flush("k", "v")).get("k").obsFlush("o").block());
        assertThat(h.get("o", 0)).isEqualTo(getObservation(b("v")));
    }

    @Test
    @DisplayName("C-28 empty items are valid keys and values")
    void c28() {
        Harness h = probe();
        h.index(
                0,
                Script.of()
                        .flush(HexFormat.of().parseHex("0a000a01780a01790a00"))
                        .block());
        assertThat(h.store().get(new byte[0], 0)).isEqualTo(b("x"));
        assertThat(h.store().blockWrites(0)).hasSize(2);
    }

    @Test
    @DisplayName("C-29 in view mode __flush changes nothing and does not trap, even with an invalid pointer")
    void c29() {
        Harness h = probe();
        h.index(0, Script.of().flush(flush("a", "1")).block());
        byte[] out = h.view(
                "probe",
                Script.of()
                        .flush(flush("a", "2", "z", "9"))
                        .rawFlush(1)
                        .rawFlush(0xFFFF_FFF0L)
                        .hostLen()
                        .ops(),
                0);
        assertThat(out).hasSize(4);
        assertThat(h.get("a", 5)).isEqualTo(b("1"));
        assertThat(h.get("z", 5)).isEmpty();
        assertThat(h.store().tip()).hasValue(0);
    }

    // ---------------------------------------------------------------- block outcome

    @Test
    @DisplayName("C-30 _start returning without any flush fails the block; the height does not advance")
    void c30() {
        Harness h = probe();
        GuestCallException e = failure(() -> h.index(0, Script.of().hostLen().block()));
        assertThat(e.code()).isEqualTo(ErrorCode.GUEST_ABI);
        assertThat(e.getMessage()).contains("without a successful __flush");
        assertThat(h.store().tip()).isEmpty();
    }

    @Test
    @DisplayName("C-31 a flush with an invalid buffer pointer fails the block")
    void c31() {
        Harness h = probe();
        assertThat(failure(() -> h.index(
                                0,
                                Script.of().flush(flush("a", "1")).rawFlush(2).block()))
                        .code())
                .isEqualTo(ErrorCode.GUEST_ABI);
        assertThat(h.get("a", 0)).isEmpty();
    }

    @Test
    @DisplayName("C-32 a trap after a successful flush leaves no pair of that block")
    void c32() {
        Harness h = probe();
        h.index(0, Script.of().flush(flush("old", "x")).block());
        GuestCallException e = failure(() ->
                h.index(1, Script.of().flush(flush("a", "1", "old", "y")).trap().block()));
        assertThat(trapOf(e)).isEqualTo(Trap.UNREACHABLE);
        assertThat(h.get("a", 1)).isEmpty();
        assertThat(h.get("old", 1)).isEqualTo(b("x"));
        assertThat(h.store().blockWrites(1)).isEmpty();
        assertThat(h.store().tip()).hasValue(0);
    }

    @Test
    @DisplayName("C-33 a failed block is retried at the same height; no height is skipped")
    void c33() {
        Harness h = probe();
        h.index(0, Script.of().flush(flush("a", "0")).block());
        failure(() -> h.index(1, Script.of().trap().block()));
        assertThat(h.store().tip()).hasValue(0);
        h.index(1, Script.of().flush(flush("a", "1")).block());
        assertThat(h.store().tip()).hasValue(1);
        assertThat(h.get("a", 1)).isEqualTo(b("1"));
    }

    // ---------------------------------------------------------------- storage reads

    @Test
    @DisplayName("C-34 Index(H) never sees versions at heights ≥ H")
    void c34() {
        Harness h = probe();
        h.index(5, Script.of().flush(flush("K", "v5")).block());
        h.index(6, Script.of().get("K").obsFlush("o6").block());
        h.index(7, Script.of().flush(flush("K", "v7")).block());
        h.index(8, Script.of().get("K").obsFlush("o8").block());
        assertThat(h.get("o6", 6)).isEqualTo(getObservation(b("v5")));
        assertThat(h.get("o8", 8)).isEqualTo(getObservation(b("v7")));
    }

    @Test
    @DisplayName("C-35/C-36 views read the newest version at or below V, also above the tip")
    void c35() {
        Harness h = probe();
        h.index(10, Script.of().flush(flush("K", "v10")).block());
        h.index(20, Script.of().flush(flush("K", "v20")).block());
        assertThat(viewValue(h, "K", 9)).isEmpty();
        assertThat(viewValue(h, "K", 10)).isEqualTo(b("v10"));
        assertThat(viewValue(h, "K", 15)).isEqualTo(b("v10"));
        assertThat(viewValue(h, "K", 20)).isEqualTo(b("v20"));
        assertThat(viewValue(h, "K", 25)).isEqualTo(b("v20"));
        assertThat(viewValue(h, "K", 0xFFFF_FFF0L)).isEqualTo(b("v20"));
    }

    @Test
    @DisplayName("C-37 keys with '/', 0x00, bytes ≥ 0x80 and empty keys work")
    void c37() {
        Harness h = probe();
        byte[][] keys = {b("a/b/c"), {0, 0, 1}, {(byte) 0x80, (byte) 0xFF}, {}, {0}};
        List<Pair> pairs = new ArrayList<>();
        for (int i = 0; i < keys.length; i++) {
            pairs.add(new Pair(keys[i], u32(i + 100)));
        }
        h.index(3, Script.of().flush(FlushDecoder.encode(pairs)).block());
        for (int i = 0; i < keys.length; i++) {
            byte[] obs = h.view("probe", Script.of().get(keys[i]).ops(), 3);
            assertThat(obs).isEqualTo(getObservation(u32(i + 100)));
        }
    }

    @Test
    @DisplayName("C-38 a view during indexing of tip+1 returns what it returned before the block started")
    void c38() throws Exception {
        Harness h = probe();
        h.index(0, Script.of().flush(flush("K", "before")).block());
        byte[] before = viewValue(h, "K", 0);
        // A second view runner on its own instance reads concurrently with indexing.
        try (var views =
                new dev.jshrew.host.ViewRunner(h.module(), h.store(), Harness.testOptions(ResetMode.FAST), s -> {})) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> problem = new AtomicReference<>();
            List<byte[]> seen = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread reader = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        byte[] obs = views.view("probe", Script.of().get("K").ops(), 0);
                        seen.add(obs);
                    }
                } catch (Throwable t) {
                    problem.set(t);
                }
            });
            reader.start();
            for (int height = 1; height <= 5; height++) {
                h.index(height, Script.of().flush(flush("K", "after" + height)).block(height));
            }
            stop.set(true);
            reader.join();
            assertThat(problem.get()).isNull();
            assertThat(seen).isNotEmpty().allSatisfy(obs -> assertThat(obs).isEqualTo(getObservation(before)));
        }
        assertThat(viewValue(h, "K", 5)).isEqualTo(b("after5"));
    }

    @Test
    @DisplayName("C-39 re-indexing a height with the same block (after rolling it back) leaves every read unchanged")
    void c39() {
        Harness h = probe();
        h.index(0, Script.of().flush(flush("a", "1")).block());
        byte[] block = Script.of()
                .get("a")
                .obsFlush("o")
                .flush(flush("a", "2", "b", "3"))
                .block();
        var first = h.index(1, block);
        var dump = h.store().blockWrites(1);
        h.store().rollbackTo(0);
        assertThat(h.get("b", 1)).isEmpty();
        var second = h.index(1, block);
        assertThat(second.stateRoot()).isEqualTo(first.stateRoot());
        assertThat(hexDump(h.store().blockWrites(1))).isEqualTo(hexDump(dump));
        assertThat(h.get("a", 1)).isEqualTo(b("2"));
        assertThat(h.get("b", 1)).isEqualTo(b("3"));
    }

    // ---------------------------------------------------------------- bad input

    @Test
    @DisplayName("bad input: a malformed module is refused, naming engine and module")
    void malformedModule() {
        assertThatThrownBy(() -> harness("wat/malformed.wasm")).isInstanceOfSatisfying(JshrewException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.MODULE_INVALID);
            assertThat(e.getMessage()).contains(engineName()).contains("malformed.wasm");
        });
    }

    @Test
    @DisplayName("bad input: every engine refuses invalid and unsupported modules the same way, with the same code")
    void invalidAndUnsupportedModulesAgree() {
        java.util.Map<String, ErrorCode> expected = new java.util.LinkedHashMap<>();
        expected.put("shared-memory.wasm", ErrorCode.MODULE_INVALID);
        expected.put("two-memories.wasm", ErrorCode.MODULE_INVALID);
        expected.put("memory64.wasm", ErrorCode.MODULE_INVALID);
        expected.put("import-kind.wasm", ErrorCode.MODULE_INVALID);
        expected.put("truncated-section.wasm", ErrorCode.MODULE_INVALID);
        expected.put("malformed.wasm", ErrorCode.MODULE_INVALID);
        expected.put("start-traps.wasm", ErrorCode.TRAP);
        java.util.Map<String, Object> actual = new java.util.LinkedHashMap<>();
        for (String guest : expected.keySet()) {
            try {
                new Harness(
                                engineName(),
                                engineOptions(),
                                "wat/" + guest,
                                temp.resolve(guest),
                                Harness.testOptions(ResetMode.FAST))
                        .close();
                actual.put(guest, "accepted");
            } catch (JshrewException e) {
                actual.put(guest, e.code());
                assertThat(e.getMessage()).as(guest).contains(engineName()).contains(guest);
            }
        }
        assertThat(actual).containsExactlyEntriesOf(new java.util.LinkedHashMap<>(expected));
    }

    @Test
    @DisplayName("bad input: a module without _start, or importing a memory, is refused")
    void missingStartOrImportedMemory() {
        assertThatThrownBy(() -> harness("wat/nostart.wasm", "a"))
                .isInstanceOfSatisfying(
                        JshrewException.class,
                        e -> assertThat(e.getMessage()).contains("_start").contains("nostart.wasm"));
        assertThatThrownBy(() -> harness("wat/imports-memory.wasm", "b"))
                .isInstanceOfSatisfying(
                        JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LINK));
    }

    @Test
    @DisplayName(
            "bad input: out-of-bounds host writes trap the block (no crash); the store still serves earlier heights")
    void outOfBoundsPointers() {
        Harness h = probe();
        h.index(0, Script.of().flush(flush("a", "1")).block());
        for (Script bad : List.of(
                Script.of().flush(flush("x", "1")).rawLoad(0xFFFF_FFF0L),
                Script.of().flush(flush("k", "v")).get("zz").rawLoad(0x20000 - 2),
                Script.of().rawGet(1, 2))) {
            GuestCallException e = failure(() -> h.index(1, bad.block()));
            assertThat(trapOf(e)).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS);
            assertThat(e.getMessage()).contains("height 1");
        }
        h.index(1, Script.of().flush(flush("a", "2")).block());
        assertThat(h.get("a", 0)).isEqualTo(b("1"));
        assertThat(h.get("a", 1)).isEqualTo(b("2"));
    }

    @Test
    @DisplayName("bad input: a host write ending exactly at memory.size succeeds; one byte further traps")
    void hostWritesTrapExactlyAtTheEnd() {
        Harness h = probe();
        long end = 0x20000; // the probe's 2 pages: a short block never makes it grow
        // The block's length does not depend on the address in it (a fixed-size u32), so both blocks load the same
        // length.
        int inputLength = 4 + Script.of().rawLoad(0).flush(flush("a", "1")).block().length;
        h.index(0, Script.of().rawLoad(end - inputLength).flush(flush("a", "1")).block());
        assertThat(h.get("a", 0)).isEqualTo(b("1"));
        GuestCallException e = failure(() -> h.index(
                1,
                Script.of()
                        .rawLoad(end - inputLength + 1)
                        .flush(flush("a", "2"))
                        .block()));
        assertThat(trapOf(e)).isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS);
        assertThat(h.get("a", 1)).isEqualTo(b("1"));
    }

    @Test
    @DisplayName("bad input: guest out-of-bounds stores trap exactly at memory.size")
    void guestOutOfBounds() {
        Harness h = probe();
        h.index(0, Script.of().store(0x20000 - 1).size().obsFlush("o").block());
        assertThat(h.get("o", 0)).isEqualTo(u32(2));
        assertThat(trapOf(failure(() -> h.index(
                        1, Script.of().flush(flush("a", "1")).store(0x20000).block()))))
                .isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS);
        h.index(
                1,
                Script.of().grow(1).store(0x20000).load(0x20000).obsFlush("o").block());
        assertThat(h.get("o", 1)).isEqualTo(concat(u32(2), u32(0x5A)));
        // the grown page and the byte written in it are gone in the next block
        assertThat(trapOf(failure(() -> h.index(
                        2, Script.of().flush(flush("a", "1")).load(0x20000).block()))))
                .isEqualTo(Trap.MEMORY_OUT_OF_BOUNDS);
    }

    @Test
    @DisplayName("bad input: a block shorter than a header is refused before running")
    void shortBlock() {
        Harness h = probe();
        GuestCallException e = failure(() -> h.index(0, new byte[10]));
        assertThat(e.code()).isEqualTo(ErrorCode.INPUT);
        assertThat(h.store().tip()).isEmpty();
    }

    @Test
    @DisplayName("state root: root(H) = SHA256(root(H-1) ‖ digest(H)) computed independently")
    void stateRoot() throws Exception {
        Harness h = probe();
        var r0 = h.index(0, Script.of().flush(flush("b", "2", "a", "1")).block());
        var md = java.security.MessageDigest.getInstance("SHA-256");
        md.update(concat(u32(1), b("a"), u32(1), b("1"), u32(1), b("b"), u32(1), b("2")));
        byte[] digest = md.digest();
        md.update(new byte[32]);
        md.update(digest);
        assertThat(r0.stateRoot()).isEqualTo(md.digest());
        var r1 = h.index(1, Script.of().flush(new byte[0]).block());
        md.update(r0.stateRoot());
        md.update(java.security.MessageDigest.getInstance("SHA-256").digest(new byte[0]));
        assertThat(r1.stateRoot()).isEqualTo(md.digest());
        assertThat(h.store().stateRoot(1)).hasValueSatisfying(v -> assertThat(v).isEqualTo(r1.stateRoot()));
        assertThat(Hashes.hex(h.store().blockHash(1).orElseThrow())).hasSize(64);
    }

    @Test
    @DisplayName("identity: a database refuses another indexer module")
    void identity() {
        Harness h = probe();
        h.index(0, Script.of().flush(flush("a", "1")).block());
        h.close();
        open.remove(h);
        assertThatThrownBy(() -> harness("wat/probe-max40.wasm"))
                .isInstanceOfSatisfying(
                        JshrewException.class, e -> assertThat(e.getMessage()).contains("another indexer"));
        assertThat(StandardCharsets.UTF_8).isNotNull();
    }

    @Test
    @DisplayName("atomic block: the first block's commit carries the metadata; a failed commit leaves neither")
    void metadataCommitsWithTheFirstBlock() {
        Harness h = probe();
        RecordingStore store = new RecordingStore(h.store());
        byte[] sha = Hashes.sha256(Fixtures.guest("wat/probe.wasm"));
        List<String> names = List.of(
                Indexer.META_INDEXER,
                IndexerHistory.META_HISTORY,
                Indexer.META_MEMORY_LIMIT,
                StateRoot.META_FIRST_HEIGHT);
        try (Indexer indexer = new Indexer(h.module(), sha, store, Harness.testOptions(ResetMode.FAST), line -> {})) {
            store.failing = true;
            assertThatThrownBy(() -> indexer.indexBlock(
                            3, Script.of().flush(flush("a", "1")).block()))
                    .isInstanceOfSatisfying(
                            JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORAGE));
            assertThat(store.commits).hasSize(1);
            assertThat(store.commits.getFirst().meta()).containsOnlyKeys(names);
            // The block failed in its commit: neither its metadata nor the block is in the store.
            assertThat(h.store().tip()).isEmpty();
            names.forEach(name -> assertThat(h.store().meta(name)).as(name).isEmpty());
            assertThat(h.store().blockHash(3)).isEmpty();

            store.failing = false;
            var r3 = indexer.indexBlock(3, Script.of().flush(flush("a", "1")).block());
            Map<String, byte[]> meta = store.commits.getLast().meta();
            assertThat(meta.get(Indexer.META_INDEXER)).isEqualTo(sha);
            assertThat(meta.get(Indexer.META_MEMORY_LIMIT)).isEqualTo(b(Integer.toString(indexer.memoryLimitPages())));
            assertThat(meta.get(StateRoot.META_FIRST_HEIGHT)).isEqualTo(b("3"));
            assertThat(meta.get(IndexerHistory.META_HISTORY)).isEqualTo(b("3 " + Hashes.hex(sha)));
            names.forEach(name -> assertThat(h.store().meta(name))
                    .as(name)
                    .hasValueSatisfying(v -> assertThat(v).isEqualTo(meta.get(name))));
            // C-44: the first block chains from the zero root, and the store answers zero at S-1.
            byte[] digest = StateRoot.digest(h.store().blockWrites(3));
            assertThat(r3.stateRoot()).isEqualTo(StateRoot.next(new byte[32], digest));
            assertThat(StateRoot.atOrBelow(h.store(), 2))
                    .hasValueSatisfying(v -> assertThat(v).isEqualTo(new byte[32]));

            indexer.indexBlock(4, Script.of().flush(flush("a", "2")).block());
            assertThat(store.commits.getLast().meta()).isEmpty();
        }
    }

    private static List<String> hex(java.util.NavigableMap<byte[], byte[]> writes) {
        return writes.entrySet().stream()
                .map(e -> Hashes.hex(e.getKey()) + "=" + Hashes.hex(e.getValue()))
                .toList();
    }

    /** An indexer with overlapped commits over {@code store} (a wrapper of {@code h}'s), running the probe. */
    private static Indexer overlapping(Harness h, KeyValueStore store) {
        return overlapping(h, store, Harness.testOptions(ResetMode.FAST));
    }

    private static Indexer overlapping(Harness h, KeyValueStore store, RunOptions options) {
        byte[] sha = Hashes.sha256(Fixtures.guest("wat/probe.wasm"));
        return new Indexer(h.module(), sha, store, options, line -> {}, java.util.OptionalLong.empty(), true);
    }

    /** Block i of the overlap tests: a := what it read of a; seen-b := what it read of b (only block 0 writes b). */
    private static byte[] chained(int nonce) {
        return Script.of().get("a").obsFlush("a").get("b").obsFlush("seen-b").block(nonce);
    }

    @ParameterizedTest(name = "submitBlock: {0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("overlapped commits: block N+1 runs while N's commit is written, reads N's writes, ends like one "
            + "block at a time (submitBlock: its state root made on the committer too)")
    void overlappedCommitsEndLikeOneBlockAtATime(boolean submit) throws Exception {
        Harness serial = harness("wat/probe.wasm", "serial");
        Harness overlapped = harness("wat/probe.wasm", "overlapped");
        GatedStore gated = new GatedStore(overlapped.store(), 6);
        List<String> hashesSeen = new ArrayList<>();
        List<String> expectedRoots = new ArrayList<>();
        // No read cache: the gate learns that the next block runs from its reads of the store, which the cache would
        // answer (the cache with overlapped commits: RealBlocksConformanceTest.theReadCacheChangesNoWrite)
        try (Indexer indexer = overlapping(
                overlapped, gated, Harness.testOptions(ResetMode.FAST).withReadCache(0))) {
            // Told right after its commit, before the next one begins: the store's tip is then exactly that block.
            List<Long> told = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<String> toldRoots = new java.util.concurrent.CopyOnWriteArrayList<>();
            indexer.onCommitted(r -> {
                assertThat(gated.store().tip()).hasValue(r.height());
                assertThat(gated.store().stateRoot(r.height()).map(Hashes::hex)).hasValue(Hashes.hex(r.stateRoot()));
                told.add(r.height());
                toldRoots.add(Hashes.hex(r.stateRoot()));
            });
            byte[] first = Script.of().flush(flush("a", "0", "b", "base")).block();
            expectedRoots.add(Hashes.hex(serial.index(0, first).stateRoot()));
            indexer.indexBlock(0, first);
            for (int i = 1; i <= 6; i++) {
                byte[] block = chained(i);
                var expected = serial.index(i, block);
                expectedRoots.add(Hashes.hex(expected.stateRoot()));
                if (submit) {
                    indexer.submitBlock(i, block);
                } else {
                    var actual = indexer.indexBlock(i, block);
                    assertThat(actual.stateRoot()).as("root of %d", i).isEqualTo(expected.stateRoot());
                    assertThat(actual.blockHash()).isEqualTo(expected.blockHash());
                }
                // The block just run is in flight (block 0 carried the metadata and was awaited before block 1).
                assertThat(indexer.committing(i)).isTrue();
                assertThat(indexer.blockHash(i))
                        .hasValueSatisfying(v -> assertThat(v).isEqualTo(expected.blockHash()));
                assertThat(gated.store().tip().orElse(-1)).isBetween(i - 1L, (long) i);
                hashesSeen.add(Hashes.hex(expected.blockHash()));
                gated.arm(i);
            }
            assertThat(told).startsWith(0L, 1L, 2L, 3L, 4L, 5L); // and 6 once its commit is done
            indexer.awaitCommitted();
            assertThat(told).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
            assertThat(toldRoots).as("the roots told").isEqualTo(expectedRoots);
            assertThat(indexer.committing(6)).isFalse();
            assertThat(overlapped.store().tip()).hasValue(6);
        }
        // Blocks 2…6 each ran while the commit of the block before waited for them to read.
        assertThat(gated.overlapped).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(hashesSeen).doesNotHaveDuplicates();
        for (long height = 0; height <= 6; height++) {
            assertThat(hex(overlapped.store().blockWrites(height)))
                    .as("writes of %d", height)
                    .isEqualTo(hex(serial.store().blockWrites(height)))
                    .isNotEmpty();
            assertThat(overlapped.store().stateRoot(height).map(Hashes::hex))
                    .isEqualTo(serial.store().stateRoot(height).map(Hashes::hex))
                    .isPresent();
        }
        // What the chain reads proves the overlay: a at 6 nests the values of a at 0…5.
        byte[] a = b("0");
        for (int i = 1; i <= 6; i++) {
            a = getObservation(a);
        }
        assertThat(overlapped.get("a", 6)).isEqualTo(a);
        assertThat(overlapped.get("seen-b", 6)).isEqualTo(getObservation(b("base")));
    }

    @ParameterizedTest(name = "submitBlock: {0}")
    @ValueSource(booleans = {false, true})
    @DisplayName("overlapped commits: a failed commit is thrown by the next block, which commits nothing; a failed "
            + "block awaits the commit in flight")
    void overlappedCommitFailuresLoseNothing(boolean submit) {
        Harness h = probe();
        RecordingStore store = new RecordingStore(h.store());
        List<Long> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (Indexer indexer = overlapping(h, store)) {
            java.util.function.ObjLongConsumer<byte[]> index = (block, height) -> {
                if (submit) {
                    indexer.submitBlock(height, block);
                } else {
                    indexer.indexBlock(height, block);
                }
            };
            indexer.onCommitted(r -> told.add(r.height()));
            index.accept(Script.of().flush(flush("a", "0", "b", "base")).block(), 0);
            index.accept(chained(1), 1);
            store.failAt = 2;
            index.accept(chained(2), 2); // its commit fails on the committer thread
            assertThatThrownBy(() -> index.accept(chained(3), 3)).isInstanceOfSatisfying(JshrewException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.STORAGE);
                assertThat(e.getMessage()).contains("injected commit failure at 2");
            });
            assertThat(h.store().tip()).hasValue(1);
            assertThat(h.store().blockHash(2)).isEmpty();
            assertThat(h.store().blockHash(3)).isEmpty();
            assertThat(indexer.committing(2)).isFalse();
            assertThat(store.commits.stream().map(BlockCommit::height)).containsExactly(0L, 1L, 2L);
            assertThat(told).containsExactly(0L, 1L); // never the block whose commit failed

            store.failAt = -1;
            // Block 2 again, then a trap at 3 while 2's commit is in flight: the failure comes once 2 is durable.
            index.accept(chained(2), 2);
            assertThatThrownBy(() -> index.accept(Script.of().trap().block(), 3))
                    .isInstanceOf(GuestCallException.class);
            assertThat(h.store().tip()).hasValue(2);
            assertThat(indexer.committing(2)).isFalse();
            index.accept(chained(3), 3);
        }
        // close() awaited block 3's commit.
        assertThat(told).containsExactly(0L, 1L, 2L, 3L);
        assertThat(h.store().tip()).hasValue(3);
        byte[] a = b("0");
        for (int i = 1; i <= 3; i++) {
            a = getObservation(a);
        }
        assertThat(h.get("a", 3)).isEqualTo(a);
    }

    /**
     * Holds the commit of block N ≥ 1 below {@link #gateBelow} until, after the test {@linkplain #arm armed} N, some
     * block reads the store at N-1 (what block N+1 does below N's writes while N's commit is in flight), and records
     * the N for which that happened within 10 s. A runner that commits each block before it returns never gets
     * there: N+1 is not run before N's commit ends.
     */
    static final class GatedStore extends ForwardingKeyValueStore {
        final List<Long> overlapped = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final long gateBelow;
        private final java.util.concurrent.ConcurrentHashMap<Long, java.util.concurrent.CountDownLatch> latches =
                new java.util.concurrent.ConcurrentHashMap<>();
        private volatile long armed = -1;

        GatedStore(KeyValueStore real, long gateBelow) {
            super(real);
            this.gateBelow = gateBelow;
        }

        KeyValueStore store() {
            return delegate();
        }

        private java.util.concurrent.CountDownLatch latch(long height) {
            return latches.computeIfAbsent(height, k -> new java.util.concurrent.CountDownLatch(1));
        }

        /** From now on, a read at {@code height - 1} releases the commit of {@code height}. */
        void arm(long height) {
            armed = height;
        }

        @Override
        public byte[] get(byte[] key, long height) {
            long n = armed;
            if (n >= 1 && height == n - 1) {
                latch(n).countDown();
            }
            return super.get(key, height);
        }

        @Override
        public void commitBlock(BlockCommit commit) {
            long height = commit.height();
            if (height >= 1 && height < gateBelow) {
                try {
                    if (latch(height).await(10, java.util.concurrent.TimeUnit.SECONDS)) {
                        overlapped.add(height);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            super.commitBlock(commit);
        }

        @Override
        public void close() {
            // The harness closes the real store.
        }
    }

    /** Delegates to a real store, records every commit, and fails commits (writing nothing) while {@code failing}. */
    static final class RecordingStore extends ForwardingKeyValueStore {
        final List<BlockCommit> commits = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile boolean failing;
        /** A height whose commit fails (-1: none); read on the committer thread of overlapped commits. */
        volatile long failAt = -1;

        RecordingStore(KeyValueStore real) {
            super(real);
        }

        @Override
        public void commitBlock(BlockCommit commit) {
            commits.add(commit);
            if (failing || commit.height() == failAt) {
                throw new JshrewException(ErrorCode.STORAGE, "injected commit failure at " + commit.height());
            }
            super.commitBlock(commit);
        }

        @Override
        public void close() {
            // The harness closes the real store.
        }
    }
}
