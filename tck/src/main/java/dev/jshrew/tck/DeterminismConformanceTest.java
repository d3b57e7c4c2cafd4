package dev.jshrew.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jshrew.api.engine.EngineCapability;
import dev.jshrew.host.EngineRegistry;
import dev.jshrew.host.ResetMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Determinism of guest-visible values: C-66, every f32/f64 operation that produces a NaN produces the canonical NaN
 * (0x7FC00000 / 0x7FF8000000000000), in index and view mode, with in-place reset and with fresh instances; and the
 * bit-exact results (signed zeros, infinities, rounding, and abs/neg/copysign/loads/stores/constants/select on NaNs
 * with a payload) are exact on every engine. Guests: {@code guests/wat/nan.wat} and {@code nan-simd.wat}.
 *
 * <p>An engine that declares {@link EngineCapability#NAN_CANONICALIZATION} must give the canonical bits. One that
 * does not must still give some NaN wherever the canonical NaN is expected, and everything else exactly (a
 * {@code copysign} whose sign comes from a NaN may then be either sign).
 */
public abstract class DeterminismConformanceTest extends EngineTest {
    static final int C32 = 0x7FC0_0000;
    static final long C64 = 0x7FF8_0000_0000_0000L;

    /**
     * Whether the engine runs SIMD (the {@code nan-simd.wasm} test is skipped otherwise). Chicory, for one, needs its
     * separate SIMD artifact, which jshrew does not ship.
     */
    protected boolean runsSimd() {
        return true;
    }

    /**
     * One value of a guest's output.
     *
     * @param size 4 or 8 bytes
     * @param bits its bits (the canonical NaN where the result is a NaN)
     * @param signFromNaN a {@code copysign} taking its sign from a NaN: either sign without canonicalisation
     * @param what for messages
     */
    record Value(int size, long bits, boolean signFromNaN, String what) {
        boolean isNaN() {
            return size == 4
                    ? Float.isNaN(Float.intBitsToFloat((int) bits))
                    : Double.isNaN(Double.longBitsToDouble(bits));
        }
    }

    static Value f32(int bits, String what) {
        return new Value(4, Integer.toUnsignedLong(bits), false, what);
    }

    static Value f64(long bits, String what) {
        return new Value(8, bits, false, what);
    }

    /** Key "nan" of nan.wat (same order as there). */
    static List<Value> nanValues() {
        List<Value> v = new ArrayList<>();
        for (String op : List.of(
                "0/0",
                "sqrt(-1)",
                "inf-inf",
                "inf*0",
                "pnan+1",
                "1+nnan",
                "nnan-pnan",
                "pnan*1.5",
                "nnan/1",
                "min(pnan,1)",
                "max(1,nnan)",
                "min(nnan,pnan)",
                "max(pnan,nnan)",
                "ceil(pnan)",
                "floor(nnan)",
                "trunc(pnan)",
                "nearest(nnan)",
                "sqrt(nnan)",
                "demote(pnan64)",
                "demote(nnan64)",
                "pnan*1.5+1",
                "demote(nnan64*1.5)",
                "0/0 through a local",
                "sqrt(-1) through a global",
                "inf-inf through a store",
                "0/0 through select")) {
            v.add(f32(C32, "f32 " + op));
        }
        v.add(f32(0xFFC0_0000, "f32 neg(0/0)"));
        v.add(f32(C32, "f32 abs(inf-inf)"));
        v.add(new Value(4, 0x3F80_0000L, true, "f32 copysign(1, sqrt(-1))"));
        v.add(f32(0, "f32 pnan == 0/0"));
        v.add(f32(1, "f32 1 != sqrt(-1)"));
        v.add(f32(0, "i32.trunc_sat_f32_s(inf*0)"));
        for (String op : List.of(
                "0/0",
                "sqrt(-1)",
                "inf-inf",
                "inf*0",
                "pnan+1",
                "1+nnan",
                "nnan-pnan",
                "pnan*1.5",
                "nnan/1",
                "min(pnan,1)",
                "max(1,nnan)",
                "min(nnan,pnan)",
                "max(pnan,nnan)",
                "ceil(pnan)",
                "floor(nnan)",
                "trunc(pnan)",
                "nearest(nnan)",
                "sqrt(nnan)",
                "promote(pnan32)",
                "promote(nnan32)",
                "pnan*1.5+1",
                "promote(f32 0/0)",
                "0/0 through a local",
                "inf-inf through a store")) {
            v.add(f64(C64, "f64 " + op));
        }
        v.add(f64(0xFFF8_0000_0000_0000L, "f64 neg(0/0)"));
        v.add(new Value(8, 0x3FF0_0000_0000_0000L, true, "f64 copysign(1, sqrt(-1))"));
        v.add(f32(0, "f64 1 < 0/0"));
        v.add(f64(0, "i64.trunc_sat_f64_u(sqrt(-1))"));
        return v;
    }

    /** Key "exact" of nan.wat: the same bits on every engine. */
    static List<Value> exactValues() {
        return List.of(
                f32(0x4070_0000, "f32 1.5+2.25"),
                f32(0x8000_0000, "f32 -0 + -0"),
                f32(0x8000_0000, "f32 0 * -1"),
                f32(0x8000_0000, "f32 min(0,-0)"),
                f32(0, "f32 max(-0,0)"),
                f32(0x8000_0000, "f32 nearest(-0.5)"),
                f32(0x8000_0000, "f32 ceil(-0.5)"),
                f32(0x8000_0000, "f32 trunc(-0.5)"),
                f32(0x8000_0000, "f32 sqrt(-0)"),
                f32(0x4000_0000, "f32 nearest(2.5)"),
                f32(0xBF80_0000, "f32 floor(-0.5)"),
                f32(0x7F80_0000, "f32 1/0"),
                f32(0xFF80_0000, "f32 -1/0"),
                f32(0x3FC0_0000, "f32 demote(1.5)"),
                f32(0x7FC5_4321, "f32 abs(nnan)"),
                f32(0xFFC1_2345, "f32 neg(pnan)"),
                f32(0xFFC1_2345, "f32 copysign(pnan,-1)"),
                f32(0x7FC5_4321, "f32 copysign(nnan,1)"),
                f32(0xFFC5_4321, "f32 load(nnan)"),
                f32(0x7FC1_2345, "f32.const nan:0x412345"),
                f32(0xFFC5_4321, "f32.reinterpret_i32"),
                f32(0x7FC1_2345, "f32 local"),
                f32(0xFFC5_4321, "f32 select"),
                f32(0xFFC5_4321, "f32 store/load"),
                f64(0x400E_0000_0000_0000L, "f64 1.5+2.25"),
                f64(0x8000_0000_0000_0000L, "f64 -0 + -0"),
                f64(0x8000_0000_0000_0000L, "f64 0 * -1"),
                f64(0x8000_0000_0000_0000L, "f64 min(0,-0)"),
                f64(0, "f64 max(-0,0)"),
                f64(0x8000_0000_0000_0000L, "f64 nearest(-0.5)"),
                f64(0x8000_0000_0000_0000L, "f64 ceil(-0.5)"),
                f64(0x8000_0000_0000_0000L, "f64 trunc(-0.5)"),
                f64(0x8000_0000_0000_0000L, "f64 sqrt(-0)"),
                f64(0x4000_0000_0000_0000L, "f64 nearest(2.5)"),
                f64(0xBFF0_0000_0000_0000L, "f64 floor(-0.5)"),
                f64(0x7FF0_0000_0000_0000L, "f64 1/0"),
                f64(0xFFF0_0000_0000_0000L, "f64 -1/0"),
                f64(0x4002_0000_0000_0000L, "f64 promote(2.25)"),
                f64(0x7FF8_0000_8765_4321L, "f64 abs(nnan)"),
                f64(0xFFF8_0000_1234_5678L, "f64 neg(pnan)"),
                f64(0xFFF8_0000_1234_5678L, "f64 copysign(pnan,-1)"),
                f64(0x7FF8_0000_8765_4321L, "f64 copysign(nnan,1)"),
                f64(0xFFF8_0000_8765_4321L, "f64 load(nnan)"),
                f64(0x7FF8_0000_1234_5678L, "f64.const nan:0x8000012345678"),
                f64(0xFFF8_0000_8765_4321L, "f64 local"),
                f64(0x7FF8_0000_1234_5678L, "f64 store/load"));
    }

    /** Key "simd" of nan-simd.wat. */
    static List<Value> simdValues() {
        List<Value> v = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            v.add(f32(C32, "f32x4.div(0,0) lane " + i));
        }
        v.addAll(List.of(
                f32(C32, "f32x4.add pnan+1"),
                f32(C32, "f32x4.add nnan+1"),
                f32(0x4000_0000, "f32x4.add 1+1"),
                f32(0, "f32x4.add -1+1"),
                f32(C32, "f32x4.min(pnan,1)"),
                f32(C32, "f32x4.min(nnan,1)"),
                f32(0x3F80_0000, "f32x4.min(1,1)"),
                f32(0xBF80_0000, "f32x4.min(-1,1)"),
                f32(C32, "f32x4.sqrt(pnan)"),
                f32(C32, "f32x4.sqrt(nnan)"),
                f32(0x3F80_0000, "f32x4.sqrt(1)"),
                f32(C32, "f32x4.sqrt(-1)"),
                f64(C64, "f64x2.sqrt(-1)"),
                f64(0x3FF0_0000_0000_0000L, "f64x2.sqrt(1)"),
                f64(C64, "f64x2.mul(pnan,-1)"),
                f64(C64, "f64x2.mul(nnan,1)"),
                f32(C32, "f32x4.demote(pnan64)"),
                f32(C32, "f32x4.demote(nnan64)"),
                f32(0, "f32x4.demote zero lane 2"),
                f32(0, "f32x4.demote zero lane 3"),
                f64(C64, "f64x2.promote(pnan32)"),
                f64(C64, "f64x2.promote(nnan32)"),
                f64(C64, "f64x2.nearest(pnan)"),
                f64(C64, "f64x2.nearest(nnan)"),
                f32(0x7FC1_2345, "f32x4.abs(pnan)"),
                f32(0x7FC5_4321, "f32x4.abs(nnan)"),
                f32(0x3F80_0000, "f32x4.abs(1)"),
                f32(0x3F80_0000, "f32x4.abs(-1)"),
                f32(0xFFC1_2345, "f32x4.neg(pnan)"),
                f32(0x7FC5_4321, "f32x4.neg(nnan)"),
                f32(0xBF80_0000, "f32x4.neg(1)"),
                f32(0x3F80_0000, "f32x4.neg(-1)"),
                f32(0x7FC1_2345, "f32x4.pmin(pnan,1)"),
                f32(0xFFC5_4321, "f32x4.pmin(nnan,1)"),
                f32(0x3F80_0000, "f32x4.pmin(1,1)"),
                f32(0xBF80_0000, "f32x4.pmin(-1,1)"),
                f64(0x7FF8_0000_1234_5678L, "f64x2.pmax(pnan,-1)"),
                f64(0xFFF8_0000_8765_4321L, "f64x2.pmax(nnan,1)")));
        return v;
    }

    private final List<Harness> open = new ArrayList<>();

    @AfterEach
    void closeHarnesses() {
        open.forEach(Harness::close);
        open.clear();
    }

    private Harness harness(String guest, ResetMode reset) {
        Harness h = new Harness(
                engineName(), engineOptions(), guest, temp.resolve("db-" + open.size()), Harness.testOptions(reset));
        open.add(h);
        return h;
    }

    private boolean canonicalises() {
        return EngineRegistry.load()
                .resolve(engineName())
                .capabilities()
                .contains(EngineCapability.NAN_CANONICALIZATION);
    }

    /**
     * Asserts the values: exact with {@code canonical}; otherwise some NaN where a NaN is expected, either sign for a
     * sign taken from a NaN, exact elsewhere.
     */
    static void assertValues(String where, List<Value> expected, byte[] actual, boolean canonical) {
        assertThat(actual)
                .as(where + ": length")
                .hasSize(expected.stream().mapToInt(Value::size).sum());
        ByteBuffer b = ByteBuffer.wrap(actual).order(ByteOrder.LITTLE_ENDIAN);
        List<String> wrong = new ArrayList<>();
        for (Value e : expected) {
            long a = e.size() == 4 ? Integer.toUnsignedLong(b.getInt()) : b.getLong();
            Value got = new Value(e.size(), a, false, e.what());
            boolean ok;
            if (canonical) {
                ok = a == e.bits();
            } else if (e.isNaN()) {
                ok = got.isNaN();
            } else if (e.signFromNaN()) {
                long sign = e.size() == 4 ? 0x8000_0000L : 0x8000_0000_0000_0000L;
                ok = (a & ~sign) == (e.bits() & ~sign);
            } else {
                ok = a == e.bits();
            }
            if (!ok) {
                wrong.add(e.what() + ": expected " + hex(e) + ", got " + hex(got));
            }
        }
        assertThat(wrong).as(where).isEmpty();
    }

    private static String hex(Value v) {
        return v.size() == 4 ? String.format("%08x", v.bits()) : String.format("%016x", v.bits());
    }

    private void assertNanGuest(String where, byte[] nan, byte[] exact) {
        assertValues(where + " \"nan\"", nanValues(), nan, canonicalises());
        assertValues(where + " \"exact\"", exactValues(), exact, true);
    }

    @Test
    @DisplayName("C-66 NaN results are canonical in every block (in-place reset); bit-exact results stay exact")
    void c66Index() {
        Harness h = harness("wat/nan.wasm", ResetMode.FAST);
        for (int height = 0; height < 3; height++) {
            h.index(height, new byte[80]);
            assertNanGuest("block " + height, h.get("nan", height), h.get("exact", height));
        }
    }

    @Test
    @DisplayName("C-66 NaN results are canonical with a fresh instance per block")
    void c66Fresh() {
        Harness h = harness("wat/nan.wasm", ResetMode.FRESH);
        for (int height = 0; height < 2; height++) {
            h.index(height, new byte[80]);
            assertNanGuest("block " + height, h.get("nan", height), h.get("exact", height));
        }
    }

    @Test
    @DisplayName("C-66 NaN results are canonical in view mode")
    void c66View() {
        Harness h = harness("wat/nan.wasm", ResetMode.FAST);
        h.index(0, new byte[80]);
        for (int i = 0; i < 2; i++) {
            assertNanGuest("view " + i, h.view("nan", new byte[0], 0), h.view("exact", new byte[0], 0));
        }
    }

    @Test
    @DisplayName("C-66 SIMD: f32x4/f64x2 NaN lanes are canonical; abs, neg, pmin, pmax keep payloads")
    void c66Simd() {
        assumeTrue(runsSimd(), "engine " + engineName() + " runs no SIMD");
        Harness h = harness("wat/nan-simd.wasm", ResetMode.FRESH); // (the in-place reset rewrite refuses SIMD)
        for (int height = 0; height < 2; height++) {
            h.index(height, new byte[80]);
            assertValues("block " + height + " \"simd\"", simdValues(), h.get("simd", height), canonicalises());
        }
        assertValues("view \"simd\"", simdValues(), h.view("simd", new byte[0], 1), canonicalises());
    }

    @Test
    @DisplayName("C-66 jshrew's engines (chicory, wasmtime, graalwasm) declare NAN_CANONICALIZATION")
    void c66Capability() {
        assumeTrue(List.of("chicory", "wasmtime", "graalwasm").contains(engineName()), "not one of jshrew's engines");
        assertThat(canonicalises()).isTrue();
    }
}
