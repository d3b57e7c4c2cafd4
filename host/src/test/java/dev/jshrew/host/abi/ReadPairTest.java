package dev.jshrew.host.abi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code __get_len} then {@code __get} of the same key (what every metashrew guest does) read the store once; the
 * remembered value never outlives what could change it: another key, a flush, the next call.
 */
class ReadPairTest {
    private final List<String> storeReads = new ArrayList<>();

    private StateReader store(String prefix) {
        return key -> {
            storeReads.add(new String(key, java.nio.charset.StandardCharsets.US_ASCII));
            return (prefix + new String(key, java.nio.charset.StandardCharsets.US_ASCII))
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        };
    }

    private static void putKey(MetashrewAbiBoundsTest.Unchecked memory, long ptr, String key) {
        byte[] bytes = key.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        memory.writeInt(ptr - 4, bytes.length);
        memory.write(ptr, bytes);
    }

    private static String value(MetashrewAbiBoundsTest.Unchecked memory, long ptr, int length) {
        return new String(memory.read(ptr, length), java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Test
    void getLenThenGetOfOneKeyReadsTheStoreOnceAndAnotherKeyReadsAgain() {
        CallContext context = new CallContext();
        context.arm(CallContext.Mode.VIEW, 5, new byte[0], store("v:"), false);
        var getLen = MetashrewAbiBoundsTest.function(context, "__get_len");
        var get = MetashrewAbiBoundsTest.function(context, "__get");
        MetashrewAbiBoundsTest.Unchecked memory = new MetashrewAbiBoundsTest.Unchecked();
        putKey(memory, 0x100, "a");
        putKey(memory, 0x200, "bb");
        assertThat(getLen.call(memory, new long[] {0x100})[0]).isEqualTo(3);
        get.call(memory, new long[] {0x100, 0x1000});
        assertThat(value(memory, 0x1000, 3)).isEqualTo("v:a");
        assertThat(storeReads).containsExactly("a");
        assertThat(getLen.call(memory, new long[] {0x200})[0]).isEqualTo(4);
        get.call(memory, new long[] {0x200, 0x2000});
        assertThat(value(memory, 0x2000, 4)).isEqualTo("v:bb");
        get.call(memory, new long[] {0x100, 0x3000});
        assertThat(value(memory, 0x3000, 3)).isEqualTo("v:a");
        assertThat(storeReads).containsExactly("a", "bb", "a");
        // the call's own count of store reads (the block log's "reads") agrees with what reached the store
        assertThat(context.storeReads()).isEqualTo(3);
        assertThat(context.storeReadNanos()).isPositive();
    }

    @Test
    void aFlushOrTheNextCallForgetsTheRememberedValue() {
        CallContext context = new CallContext();
        // height 0 reads its own writes (S-2): after the flush, the same key must give the flushed value
        context.arm(CallContext.Mode.INDEX, 0, new byte[0], store("old:"), true);
        var getLen = MetashrewAbiBoundsTest.function(context, "__get_len");
        MetashrewAbiBoundsTest.Unchecked memory = new MetashrewAbiBoundsTest.Unchecked();
        putKey(memory, 0x100, "k");
        assertThat(getLen.call(memory, new long[] {0x100})[0]).isEqualTo(5);
        context.flushed(List.of(new FlushDecoder.Pair(
                "k".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                "flushed-value".getBytes(java.nio.charset.StandardCharsets.US_ASCII))));
        assertThat(getLen.call(memory, new long[] {0x100})[0]).isEqualTo(13);
        context.arm(CallContext.Mode.VIEW, 1, new byte[0], store("new:"), false);
        var viewGetLen = MetashrewAbiBoundsTest.function(context, "__get_len");
        assertThat(viewGetLen.call(memory, new long[] {0x100})[0]).isEqualTo(5);
        assertThat(storeReads).containsExactly("k", "k");
        assertThat(context.storeReads())
                .as("counted per call: arm resets the count")
                .isEqualTo(1);
    }
}
