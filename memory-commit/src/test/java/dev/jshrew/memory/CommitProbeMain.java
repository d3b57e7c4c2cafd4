package dev.jshrew.memory;

import dev.jshrew.api.JshrewException;
import dev.jshrew.api.memory.LinearMemory;
import dev.jshrew.api.memory.MemorySize;

/**
 * Child-process entry point for {@link CgroupRefusalTest}: reserves and commits, prints the report, exits 0; on a
 * refusal prints {@code REFUSED <code>: <message>} to stderr and exits with the error code's exit status.
 *
 * <p>Usage: {@code CommitProbeMain RESERVE COMMIT [STRATEGY]}, sizes as {@link dev.jshrew.api.memory.MemorySize#parse}.
 */
public final class CommitProbeMain {
    private CommitProbeMain() {}

    public static void main(String[] args) {
        long reserve = MemorySize.parse(args[0]);
        long commit = MemorySize.parse(args[1]);
        CommittedMemoryProvider provider = args.length > 2
                ? new CommittedMemoryProvider(CommitStrategy.parse(args[2]))
                : new CommittedMemoryProvider();
        try (LinearMemory memory = provider.reserve(reserve, commit)) {
            System.out.println("COMMITTED " + memory.commitReport().describe());
        } catch (JshrewException e) {
            System.err.println("REFUSED " + e.code() + ": " + e.getMessage());
            System.exit(e.code().exitCode());
        }
    }
}
