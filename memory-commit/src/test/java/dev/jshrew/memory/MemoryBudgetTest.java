package dev.jshrew.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link MemoryBudget} against fake {@code /proc} and {@code /sys} trees. */
class MemoryBudgetTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final String MEMINFO_16G = "MemTotal:       32000000 kB\nMemFree:        20000000 kB\n"
            + "MemAvailable:   16777216 kB\nCommitLimit:    16000000 kB\nCommitted_AS:    1000000 kB\n";
    private static final String V2_MOUNTINFO =
            "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";
    private static final String V1_MOUNTINFO = "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
            + "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory\n"
            + "36 31 0:33 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n";

    @TempDir
    Path root;

    private void write(String path, String content) throws IOException {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    private MemoryBudget budget() {
        return new MemoryBudget(root);
    }

    private void v2(String cgroup) throws IOException {
        write("proc/self/cgroup", "0::" + cgroup + "\n");
        write("proc/self/mountinfo", V2_MOUNTINFO);
        write("sys/fs/cgroup/cgroup.controllers", "cpu io memory pids\n");
        write("proc/meminfo", MEMINFO_16G);
    }

    @Test
    void cgroupV2MemoryMaxRefusesNamingTheLimit() throws IOException {
        v2("/jshrew.slice/indexer.service");
        String dir = "sys/fs/cgroup/jshrew.slice/indexer.service/";
        write(dir + "memory.max", "2147483648\n");
        write(dir + "memory.high", "max\n");
        write(dir + "memory.current", "1048576\n");
        write(dir + "memory.stat", "anon 1048576\nfile 0\nactive_file 0\ninactive_file 0\n");
        write("sys/fs/cgroup/jshrew.slice/memory.max", "max\n");
        write("sys/fs/cgroup/jshrew.slice/memory.current", "5000000\n");

        assertThatThrownBy(() -> budget().require(4 * GIB, 4 * GIB))
                .isInstanceOfSatisfying(JshrewException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MEMORY_COMMIT_REFUSED);
                    assertThat(e.getMessage())
                            .startsWith("cannot commit 4096 MiB of guest memory: cgroup memory.max "
                                    + "allows 2048 MiB (1 MiB in use) at ")
                            .contains("jshrew.slice/indexer.service")
                            .contains("--memory-commit");
                });
        assertThatCode(() -> budget().require(4 * GIB, 2047 * MIB)).doesNotThrowAnyException();
        assertThat(budget().memoryCgroups()).singleElement().satisfies(cg -> {
            assertThat(cg.version()).isEqualTo(2);
            assertThat(cg.dir()).isEqualTo(root.resolve(dir.substring(0, dir.length() - 1)));
        });
    }

    @Test
    void cgroupV2MaxMeansNoLimitAndMeminfoDecides() throws IOException {
        v2("/app");
        write("sys/fs/cgroup/app/memory.max", "max\n");
        write("sys/fs/cgroup/app/memory.high", "max\n");
        write("sys/fs/cgroup/app/memory.current", "123456789\n");
        assertThat(budget().limits())
                .extracting(MemoryBudget.Limit::description)
                .containsExactly("MemAvailable in /proc/meminfo is 16384 MiB");
        assertThatCode(() -> budget().require(4 * GIB, 4 * GIB)).doesNotThrowAnyException();

        write("proc/meminfo", "MemTotal: 4000000 kB\nMemFree: 100000 kB\nMemAvailable: 3145728 kB\n");
        assertThatThrownBy(() -> budget().require(4 * GIB, 4 * GIB))
                .hasMessage("cannot commit 4096 MiB of guest memory: MemAvailable in /proc/meminfo is 3072 MiB; "
                        + "lower or disable the commit (--memory-commit SIZE|off) or raise the limit");
    }

    @Test
    void cgroupV2TightestAncestorWinsAndMemoryHighCounts() throws IOException {
        v2("/a/b/c");
        write("sys/fs/cgroup/a/b/c/memory.max", "max\n");
        write("sys/fs/cgroup/a/b/c/memory.current", "0\n");
        write("sys/fs/cgroup/a/b/memory.max", "8589934592\n");
        write("sys/fs/cgroup/a/b/memory.high", "3221225472\n");
        write("sys/fs/cgroup/a/b/memory.current", "104857600\n");
        write("sys/fs/cgroup/a/memory.max", "1073741824\n");
        write("sys/fs/cgroup/a/memory.current", "209715200\n");
        write("sys/fs/cgroup/a/memory.stat", "active_file 52428800\ninactive_file 52428800\n");

        assertThatThrownBy(() -> budget().require(4 * GIB, 3 * GIB))
                .hasMessageStartingWith("cannot commit 3072 MiB of guest memory: cgroup memory.max allows 1024 MiB "
                        + "(100 MiB in use, not counting 100 MiB of reclaimable file cache) at "
                        + root.resolve("sys/fs/cgroup/a"))
                .hasMessageContaining("; also cgroup memory.high allows 3072 MiB (100 MiB in use) at "
                        + root.resolve("sys/fs/cgroup/a/b"));
        // The file cache is reclaimable, so it does not count against the commit.
        assertThatCode(() -> budget().require(4 * GIB, 900 * MIB)).doesNotThrowAnyException();
    }

    @Test
    void cgroupV1LimitInBytesRefusesAndUnlimitedIsIgnored() throws IOException {
        write("proc/self/cgroup", "9:name=systemd:/\n4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n");
        write("proc/self/mountinfo", V1_MOUNTINFO);
        write("proc/meminfo", MEMINFO_16G);
        write("sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "2147483648\n");
        write("sys/fs/cgroup/memory/docker/abc/memory.usage_in_bytes", "1572864\n");
        write(
                "sys/fs/cgroup/memory/docker/abc/memory.stat",
                "cache 0\nrss 1572864\ntotal_active_file 0\n" + "total_inactive_file 0\n");
        write("sys/fs/cgroup/memory/docker/memory.limit_in_bytes", "9223372036854771712\n");
        write("sys/fs/cgroup/memory/docker/memory.usage_in_bytes", "900000000\n");
        write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
        write("sys/fs/cgroup/memory/memory.usage_in_bytes", "9000000000\n");

        assertThat(budget().memoryCgroups()).singleElement().satisfies(cg -> {
            assertThat(cg.version()).isEqualTo(1);
            assertThat(cg.dir()).isEqualTo(root.resolve("sys/fs/cgroup/memory/docker/abc"));
        });
        assertThatThrownBy(() -> budget().require(4 * GIB, 4 * GIB))
                .isInstanceOf(JshrewException.class)
                .hasMessageStartingWith("cannot commit 4096 MiB of guest memory: cgroup memory.limit_in_bytes allows "
                        + "2048 MiB (1 MiB in use) at " + root.resolve("sys/fs/cgroup/memory/docker/abc"));
        assertThatCode(() -> budget().require(4 * GIB, 2000 * MIB)).doesNotThrowAnyException();
    }

    @Test
    void cgroupV1InsideANamespaceUsesTheMountRoot() throws IOException {
        // Docker without a cgroup namespace: the mount's root is the container's cgroup.
        write("proc/self/cgroup", "4:memory:/docker/abc\n");
        write(
                "proc/self/mountinfo",
                "35 31 0:32 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n");
        write("proc/meminfo", MEMINFO_16G);
        write("sys/fs/cgroup/memory/memory.limit_in_bytes", "536870912\n");
        write("sys/fs/cgroup/memory/memory.usage_in_bytes", "0\n");
        write("sys/fs/cgroup/memory/memory.stat", "total_active_file 0\ntotal_inactive_file 0\n");
        assertThatThrownBy(() -> budget().require(GIB, GIB))
                .hasMessageContaining("cgroup memory.limit_in_bytes allows 512 MiB (0 MiB in use) at "
                        + root.resolve("sys/fs/cgroup/memory"));
    }

    @Test
    void cgroupV1UsesTotalFileCacheFromMemoryStat() throws IOException {
        write("proc/self/cgroup", "4:memory:/job\n");
        write("proc/self/mountinfo", V1_MOUNTINFO);
        write("sys/fs/cgroup/memory/job/memory.limit_in_bytes", String.valueOf(2 * GIB));
        write("sys/fs/cgroup/memory/job/memory.usage_in_bytes", String.valueOf(2 * GIB - MIB));
        write(
                "sys/fs/cgroup/memory/job/memory.stat",
                "active_file 1\ninactive_file 1\n" + "total_active_file " + GIB + "\ntotal_inactive_file " + (512 * MIB)
                        + "\n");
        assertThatCode(() -> budget().require(GIB, 1500 * MIB)).doesNotThrowAnyException();
        assertThatThrownBy(() -> budget().require(GIB, 1600 * MIB))
                .hasMessageContaining(
                        "allows 2048 MiB (511 MiB in use, not counting 1536 MiB of reclaimable file cache)");
    }

    @Test
    void withoutMountinfoTheConventionalMountsAreUsed() throws IOException {
        write("proc/self/cgroup", "0::/svc\n");
        write("sys/fs/cgroup/cgroup.controllers", "memory\n");
        write("sys/fs/cgroup/svc/memory.max", String.valueOf(GIB));
        write("sys/fs/cgroup/svc/memory.current", "0");
        assertThat(budget().limits()).extracting(MemoryBudget.Limit::limitBytes).containsExactly(GIB);
    }

    @Test
    void strictOvercommitCountsTheWholeReservation() throws IOException {
        write("proc/meminfo", "MemAvailable: 16777216 kB\nCommitLimit: 6291456 kB\nCommitted_AS: 1048576 kB\n");
        write("proc/sys/vm/overcommit_memory", "2\n");
        // 4 GiB + 2 MiB of address space fits into 6 GiB - 1 GiB committed ...
        assertThatCode(() -> budget().require(4 * GIB + 2 * MIB, 0)).doesNotThrowAnyException();
        // ... 6 GiB does not, even when only 1 GiB of it is to be committed.
        assertThatThrownBy(() -> budget().require(6 * GIB, GIB))
                .hasMessageStartingWith("cannot reserve 6144 MiB of guest address space: vm.overcommit_memory=2 and "
                        + "CommitLimit allows 6144 MiB (1024 MiB committed, Committed_AS)");
        write("proc/sys/vm/overcommit_memory", "0\n");
        assertThatCode(() -> budget().require(6 * GIB, GIB)).doesNotThrowAnyException();
    }

    @Test
    void noFilesMeansNoLimits() {
        assertThat(budget().limits()).isEmpty();
        assertThat(budget().memoryCgroups()).isEmpty();
        assertThatCode(() -> budget().require(Long.MAX_VALUE, Long.MAX_VALUE)).doesNotThrowAnyException();
    }

    @Test
    void mountPointsWithEscapedSpacesAreDecoded() {
        assertThat(MemoryBudget.Mount.parseAll(
                        java.util.List.of("35 31 0:32 / /sys/fs/cgroup/my\\040memory rw - cgroup cgroup rw,memory")))
                .singleElement()
                .satisfies(m -> {
                    assertThat(m.mountPoint()).isEqualTo("/sys/fs/cgroup/my memory");
                    assertThat(m.fsType()).isEqualTo("cgroup");
                    assertThat(m.superOptions()).containsExactly("rw", "memory");
                });
    }

    @Test
    void theRealMachineHasAtLeastMemAvailable() {
        MemoryBudget real = MemoryBudget.system();
        assertThat(real.limits()).anySatisfy(l -> assertThat(l.description()).startsWith("MemAvailable"));
        assertThatCode(() -> real.require(64 * MIB, 64 * MIB)).doesNotThrowAnyException();
        real.limits().forEach(l -> System.out.println("limit: " + l.description()));
        real.memoryCgroups().forEach(cg -> System.out.println("cgroup: " + cg));
    }
}
