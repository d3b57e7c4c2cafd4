package dev.jshrew.api.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MemorySizeTest {
    @ParameterizedTest
    @CsvSource({
        "4g, 4294967296",
        "4G, 4294967296",
        "4096m, 4294967296",
        "4096M, 4294967296",
        "512k, 524288",
        "1048576, 1048576",
        "0, 0",
        "off, 0",
        "OFF, 0",
        "' 2g ', 2147483648",
        "4GiB, 4294967296",
        "4gb, 4294967296",
        "1t, 1099511627776",
        "64MiB, 67108864"
    })
    void parsesSizes(String text, long bytes) {
        assertThat(MemorySize.parse(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                " ",
                "-1",
                "4x",
                "g",
                "4.5g",
                "four",
                "1e9",
                "4 g b",
                "9999999999999999999",
                "9000000000000t",
                "on"
            })
    void rejectsBadSizesWithAClearMessage(String text) {
        assertThatThrownBy(() -> MemorySize.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageMatching("(?s).*(memory size|e\\.g\\. 4g).*");
    }

    @Test
    void rejectsNullSize() {
        assertThatThrownBy(() -> MemorySize.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
