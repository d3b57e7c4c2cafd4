package dev.jshrew.engine.toolkit.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** LEB128 and names in {@link WasmReader}/{@link WasmWriter}: round trips and the strictness the spec requires. */
class WasmCodecTest {
    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    @Test
    void unsignedRoundTrips() {
        for (long v :
                new long[] {0, 1, 63, 64, 127, 128, 16383, 16384, 65536, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL}) {
            byte[] enc = new WasmWriter().u32((int) v).toByteArray();
            WasmReader r = new WasmReader(enc);
            assertEquals(v, Integer.toUnsignedLong(r.u32()), "u32 " + v);
            assertTrue(r.atEnd());
        }
    }

    @Test
    void signedRoundTrips() {
        for (long v : new long[] {
            0,
            1,
            -1,
            63,
            -64,
            64,
            -65,
            Integer.MAX_VALUE,
            Integer.MIN_VALUE,
            0xFFFF_FFFFL,
            Long.MAX_VALUE,
            Long.MIN_VALUE,
            -0x8000_0000L
        }) {
            byte[] enc = new WasmWriter().s64(v).toByteArray();
            assertEquals(v, new WasmReader(enc).signed(64), "s64 " + v);
            if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                assertEquals(v, new WasmReader(enc).signed(32), "s32 " + v);
                assertEquals(v, new WasmReader(enc).signed(33), "s33 " + v);
            }
        }
        assertEquals(-64, new WasmReader(bytes(0x40)).signed(33), "block type 0x40 is -64 as s33");
        assertEquals(-1, new WasmReader(bytes(0x7F)).signed(33), "i32 block type");
    }

    @Test
    void overlongAndOverflowingEncodingsAreMalformed() {
        // u32: 5 bytes whose last byte sets bits above 32
        assertThrows(WasmReader.Malformed.class, () -> new WasmReader(bytes(0xFF, 0xFF, 0xFF, 0xFF, 0x1F)).u32());
        assertEquals(-1, new WasmReader(bytes(0xFF, 0xFF, 0xFF, 0xFF, 0x0F)).u32());
        // u32: 6 bytes
        assertThrows(WasmReader.Malformed.class, () -> new WasmReader(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x00)).u32());
        // s32: unused bits of the last byte must extend the sign
        assertThrows(WasmReader.Malformed.class, () -> new WasmReader(bytes(0xFF, 0xFF, 0xFF, 0xFF, 0x4F)).signed(32));
        assertThrows(WasmReader.Malformed.class, () -> new WasmReader(bytes(0x80, 0x80, 0x80, 0x80, 0x70)).signed(32));
        assertEquals(Integer.MIN_VALUE, new WasmReader(bytes(0x80, 0x80, 0x80, 0x80, 0x78)).signed(32));
        assertEquals(Integer.MAX_VALUE, new WasmReader(bytes(0xFF, 0xFF, 0xFF, 0xFF, 0x07)).signed(32));
        // s64: 10th byte
        assertThrows(
                WasmReader.Malformed.class,
                () -> new WasmReader(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02)).signed(64));
        assertEquals(
                Long.MIN_VALUE,
                new WasmReader(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F)).signed(64));
        // truncated
        assertThrows(WasmReader.Malformed.class, () -> new WasmReader(bytes(0x80)).u32());
    }

    @Test
    void namesMustBeUtf8() {
        assertEquals("ab", new WasmReader(bytes(0x02, 'a', 'b')).name());
        assertThrows(WasmReader.Malformed.class, () -> new WasmReader(bytes(0x01, 0xFF)).name());
        assertThrows(WasmReader.Malformed.class, () -> new WasmReader(bytes(0x05, 'a')).name());
    }
}
