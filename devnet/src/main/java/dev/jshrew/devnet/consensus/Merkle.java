package dev.jshrew.devnet.consensus;

import java.util.ArrayList;
import java.util.List;

/** Bitcoin's merkle root: pairwise double SHA-256, the last hash of an odd level paired with itself. */
public final class Merkle {
    private Merkle() {}

    /** The root of {@code hashes} (internal byte order); one hash is its own root. */
    public static byte[] root(List<byte[]> hashes) {
        if (hashes.isEmpty()) {
            throw new IllegalArgumentException("a merkle root needs at least one hash");
        }
        List<byte[]> level = hashes;
        while (level.size() > 1) {
            List<byte[]> next = new ArrayList<>((level.size() + 1) / 2);
            for (int i = 0; i < level.size(); i += 2) {
                byte[] left = level.get(i);
                byte[] right = i + 1 < level.size() ? level.get(i + 1) : left;
                next.add(Hash256.sha256d(left, right));
            }
            level = next;
        }
        return level.getFirst();
    }
}
