package dev.jshrew.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jshrew.api.ErrorCode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real refusal without cgroups: a child JVM under {@code ulimit -v 3 GiB} cannot even reserve 4 GiB; the mmap
 * failure becomes a clean {@link ErrorCode#MEMORY_COMMIT_REFUSED} exit naming errno. Commits nothing.
 */
class AddressSpaceRefusalTest {
    @Test
    void reservationBeyondRlimitAsIsRefused(@TempDir Path tmp) throws Exception {
        ChildJvm.Result r = ChildJvm.run(tmp, "ulimit -v \"$0\" && exec \"$@\"", "3145728", "4g", "1g");
        assertThat(r.exit()).isEqualTo(ErrorCode.MEMORY_COMMIT_REFUSED.exitCode());
        assertThat(r.err())
                .contains("REFUSED MEMORY_COMMIT_REFUSED: cannot reserve 4096 MiB of address space")
                .contains("ENOMEM");
    }
}
