package dev.jshrew.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jshrew.api.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * A real refusal: a child JVM placed in a fresh memory cgroup limited to 2 GiB asks for a 4 GiB commit and must
 * exit cleanly with {@link ErrorCode#MEMORY_COMMIT_REFUSED}'s status and a message naming the limit, instead of
 * being OOM-killed (exit 137). Needs a writable memory cgroup (root, or a delegated cgroup v2 subtree); skipped
 * otherwise, saying why. Runs alone ({@link Isolated}); exclude with {@code -DexcludedGroups=cgroup}.
 */
@Tag("cgroup")
@Isolated
class CgroupRefusalTest {
    private static final long LIMIT = 2L << 30;

    private static Path cgroup;
    private static int version;

    @BeforeAll
    static void createLimitedCgroup() {
        assumeTrue(System.getProperty("os.name", "").startsWith("Linux"), "cgroups exist only on Linux");
        List<MemoryBudget.CgroupDir> found = MemoryBudget.system().memoryCgroups();
        assumeTrue(!found.isEmpty(), "this process has no memory cgroup (neither v2 with memory nor v1 memory)");
        List<String> reasons = new ArrayList<>();
        for (MemoryBudget.CgroupDir cg : found) {
            String why = tryCreate(cg);
            if (why == null) {
                return;
            }
            reasons.add(why);
        }
        assumeTrue(false, "no writable memory cgroup: " + String.join("; ", reasons));
    }

    /** Creates the limited child cgroup under {@code cg}; returns why not, or null on success. */
    private static String tryCreate(MemoryBudget.CgroupDir cg) {
        Path dir = cg.dir().resolve("jshrew-memtest-" + ProcessHandle.current().pid());
        try {
            if (cg.version() == 2) {
                String controllers = Files.readString(cg.dir().resolve("cgroup.controllers"));
                if (!List.of(controllers.strip().split("\\s+")).contains("memory")) {
                    return "cgroup v2 " + cg.dir() + " has no memory controller (cgroup.controllers: "
                            + controllers.strip() + ")";
                }
                try {
                    Files.writeString(cg.dir().resolve("cgroup.subtree_control"), "+memory");
                } catch (IOException e) {
                    return "cannot enable +memory in " + cg.dir() + "/cgroup.subtree_control (" + e
                            + "; a v2 cgroup holding processes cannot delegate controllers)";
                }
                Files.createDirectory(dir);
                Files.writeString(dir.resolve("memory.max"), Long.toString(LIMIT));
                Path swap = dir.resolve("memory.swap.max");
                if (Files.exists(swap)) {
                    Files.writeString(swap, "0");
                }
            } else {
                Files.createDirectory(dir);
                Files.writeString(dir.resolve("memory.limit_in_bytes"), Long.toString(LIMIT));
            }
        } catch (IOException | SecurityException e) {
            deleteQuietly(dir);
            return "cannot create a cgroup v" + cg.version() + " child under " + cg.dir() + ": " + e;
        }
        cgroup = dir;
        version = cg.version();
        return null;
    }

    @AfterAll
    static void removeCgroup() throws InterruptedException {
        if (cgroup != null) {
            for (int i = 0; i < 50 && Files.exists(cgroup); i++) {
                deleteQuietly(cgroup);
                Thread.sleep(100);
            }
            assertThat(cgroup).as("cgroup removed").doesNotExist();
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            Files.deleteIfExists(dir); // rmdir: a cgroup directory's control files go with it
        } catch (IOException e) {
            // still has a task (the child is being reaped); the caller retries
        }
    }

    private static ChildJvm.Result runChildInCgroup(Path tmp, String reserve, String commit) throws Exception {
        return ChildJvm.run(tmp, "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"", cgroup.toString(), reserve, commit);
    }

    @Test
    void fourGibInATwoGibCgroupIsRefusedCleanly(@TempDir Path tmp) throws Exception {
        ChildJvm.Result r = runChildInCgroup(tmp, "4g", "4g");
        assertThat(r.exit())
                .as("exit status (137 would be an OOM kill)")
                .isEqualTo(ErrorCode.MEMORY_COMMIT_REFUSED.exitCode());
        String limitFile = version == 2 ? "memory.max" : "memory.limit_in_bytes";
        assertThat(r.err())
                .contains("REFUSED MEMORY_COMMIT_REFUSED: cannot commit 4096 MiB of guest memory: cgroup " + limitFile
                        + " allows 2048 MiB (")
                .contains(cgroup.toString());
        if (version == 1) {
            assertThat(Files.readString(cgroup.resolve("memory.failcnt")).strip())
                    .as("the limit was never hit")
                    .isEqualTo("0");
        } else {
            assertThat(Files.readAllLines(cgroup.resolve("memory.events"))).contains("oom_kill 0");
        }
    }

    @Test
    void oneGibInATwoGibCgroupIsCommitted(@TempDir Path tmp) throws Exception {
        ChildJvm.Result r = runChildInCgroup(tmp, "4g", "1g");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("COMMITTED committed 1024 MiB in ");
    }
}
