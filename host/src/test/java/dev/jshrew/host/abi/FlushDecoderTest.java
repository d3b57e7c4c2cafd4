package dev.jshrew.host.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlushDecoderTest {
    static List<String> decode(String hex) {
        return FlushDecoder.decode(HexFormat.of().parseHex(hex)).stream()
                .map(p ->
                        HexFormat.of().formatHex(p.key()) + "=" + HexFormat.of().formatHex(p.value()))
                .toList();
    }

    @Test
    void specExamples() {
        assertThat(decode("0a01610a01310a01620a00")).containsExactly("61=31", "62=");
        assertThat(decode("")).isEmpty();
        assertThat(decode("0a01610a01310a0162")).containsExactly("61=31"); // C-22 odd count
        assertThat(decode("10050a01610a0131")).containsExactly("61=31"); // C-23 unknown varint field
        assertThat(decode("1a03ffffff0a01610a0131")).containsExactly("61=31"); // unknown length-delimited field
        assertThat(decode("0a000a00")).containsExactly("="); // C-28 empty key and value
    }

    @Test
    void malformedPayloadsAreRejected() {
        for (String bad : List.of("0801", "0a05616263", "0a", "0aff", "0d00000000ff")) {
            assertThatThrownBy(() -> FlushDecoder.decode(HexFormat.of().parseHex(bad)))
                    .as(bad)
                    .isInstanceOf(FlushDecoder.MalformedFlushException.class);
        }
    }

    @Test
    void encodeRoundTrips() {
        var pairs = List.of(
                new FlushDecoder.Pair(new byte[200], new byte[] {1}),
                new FlushDecoder.Pair(new byte[0], new byte[70000]));
        var back = FlushDecoder.decode(FlushDecoder.encode(pairs));
        assertThat(back).hasSize(2);
        assertThat(back.get(0).key()).hasSize(200);
        assertThat(back.get(1).value()).hasSize(70000);
    }
}
