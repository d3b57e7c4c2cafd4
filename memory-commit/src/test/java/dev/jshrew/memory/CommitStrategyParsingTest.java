package dev.jshrew.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CommitStrategyParsingTest {
    @ParameterizedTest
    @CsvSource({
        "auto, AUTO",
        "AUTO, AUTO",
        "hugepage+populate_write, HUGEPAGE_POPULATE_WRITE",
        "hugepage_populate_write, HUGEPAGE_POPULATE_WRITE",
        "populate_write, POPULATE_WRITE",
        "MAP_POPULATE, MAP_POPULATE",
        "' touch ', TOUCH",
        "none, NONE"
    })
    void parsesStrategies(String text, CommitStrategy expected) {
        assertThat(CommitStrategy.parse(text)).isEqualTo(expected);
    }

    @Test
    void rejectsUnknownStrategiesNamingTheChoices() {
        assertThatThrownBy(() -> CommitStrategy.parse("mlock"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'mlock'")
                .hasMessageContaining("hugepage+populate_write");
        assertThatThrownBy(() -> CommitStrategy.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void labelsMatchReports() {
        assertThat(CommitStrategy.HUGEPAGE_POPULATE_WRITE.label()).isEqualTo("hugepage+populate_write");
        assertThat(CommitStrategy.POPULATE_WRITE.label()).isEqualTo("populate_write");
        assertThat(CommitStrategy.MAP_POPULATE.label()).isEqualTo("map_populate");
        assertThat(CommitStrategy.TOUCH.label()).isEqualTo("touch");
        assertThat(CommitStrategy.NONE.label()).isEqualTo("none");
    }

    @Test
    void strategyPropertyIsRead() {
        String old = System.getProperty(CommittedMemoryProvider.STRATEGY_PROPERTY);
        try {
            System.setProperty(CommittedMemoryProvider.STRATEGY_PROPERTY, "touch");
            assertThat(new CommittedMemoryProvider().strategy()).isEqualTo(CommitStrategy.TOUCH);
            System.setProperty(CommittedMemoryProvider.STRATEGY_PROPERTY, "bogus");
            assertThatThrownBy(CommittedMemoryProvider::new).isInstanceOf(IllegalArgumentException.class);
        } finally {
            if (old == null) {
                System.clearProperty(CommittedMemoryProvider.STRATEGY_PROPERTY);
            } else {
                System.setProperty(CommittedMemoryProvider.STRATEGY_PROPERTY, old);
            }
        }
    }
}
