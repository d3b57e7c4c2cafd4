package dev.jshrew.api.memory;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The size syntax of jshrew's options and tools ({@code --memory-commit}, {@code --max-request-size}, the engines'
 * measurement programs): {@code off} (0), plain bytes ({@code 1048576}), or a number with a binary suffix
 * {@code k}, {@code m}, {@code g}, {@code t}, optionally followed by {@code b}/{@code ib} ({@code 512k},
 * {@code 4096m}, {@code 4g}, {@code 4GiB}); case-insensitive.
 */
public final class MemorySize {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?", Pattern.CASE_INSENSITIVE);

    private MemorySize() {}

    /**
     * Parses a size in bytes.
     *
     * @throws IllegalArgumentException for anything else, negative numbers, or a size beyond {@code Long.MAX_VALUE}
     */
    public static long parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty memory size: expected e.g. 4g, 4096m, 512k, 1048576 or off");
        }
        String t = text.strip();
        if (t.equalsIgnoreCase("off")) {
            return 0;
        }
        Matcher m = SIZE.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("bad memory size '" + text
                    + "': expected a number with an optional k/m/g/t suffix (e.g. 4g, 4096m, 512k, 1048576) or off");
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        try {
            long n = Long.parseLong(m.group(1));
            if (n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("memory size '" + text + "' is too large", e);
        }
    }
}
