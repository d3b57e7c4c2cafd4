package dev.jshrew.cli;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Block files for {@code index --blocks}: a file or a directory of files, each one block as hex text (optional
 * {@code 0x}, trailing whitespace) or raw bytes; the height is the last run of digits in the file name
 * ({@code mainnet-840243.hex} → 840243).
 */
final class BlockFiles {
    private static final Pattern DIGITS = Pattern.compile("(\\d+)(?!.*\\d)");

    private BlockFiles() {}

    /** Every block file under the given paths, by height. Directories contribute the files whose names hold digits. */
    static NavigableMap<Long, Path> scan(List<Path> paths) {
        NavigableMap<Long, Path> byHeight = new TreeMap<>();
        for (Path path : paths) {
            if (Files.isDirectory(path)) {
                try (Stream<Path> files = Files.list(path)) {
                    for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                        heightOf(f).ifPresent(h -> add(byHeight, h, f));
                    }
                } catch (IOException e) {
                    throw new JshrewException(
                            ErrorCode.INPUT, "cannot list block directory " + path + ": " + e.getMessage(), e);
                }
            } else if (Files.isRegularFile(path)) {
                long h = heightOf(path)
                        .orElseThrow(() -> new JshrewException(
                                ErrorCode.INPUT,
                                "block file " + path
                                        + " has no height in its name (the last run of digits is the height)"));
                add(byHeight, h, path);
            } else {
                throw new JshrewException(ErrorCode.INPUT, "no block file or directory at " + path);
            }
        }
        return byHeight;
    }

    private static void add(NavigableMap<Long, Path> byHeight, long height, Path file) {
        Path previous = byHeight.put(height, file);
        if (previous != null && !previous.equals(file)) {
            throw new JshrewException(
                    ErrorCode.INPUT, "two block files for height " + height + ": " + previous + " and " + file);
        }
    }

    static java.util.OptionalLong heightOf(Path file) {
        Matcher m = DIGITS.matcher(file.getFileName().toString());
        if (!m.find()) {
            return java.util.OptionalLong.empty();
        }
        String digits = m.group(1);
        if (digits.length() > 10 || Long.parseLong(digits) > 0xFFFF_FFFFL) {
            throw new JshrewException(ErrorCode.INPUT, "block file " + file + ": height " + digits + " is not a u32");
        }
        return java.util.OptionalLong.of(Long.parseLong(digits));
    }

    /** Reads one block: hex text if the file is hex text, otherwise raw bytes. */
    static byte[] read(Path file, long height) {
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new JshrewException(
                    ErrorCode.INPUT,
                    "cannot read block file " + file + " (height " + height + "): " + e.getMessage(),
                    e);
        }
        if (looksLikeHexText(raw)) {
            String text = new String(raw, java.nio.charset.StandardCharsets.US_ASCII).strip();
            if (text.startsWith("0x") || text.startsWith("0X")) {
                text = text.substring(2);
            }
            if (text.length() % 2 != 0 || !text.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new JshrewException(
                        ErrorCode.INPUT,
                        "block file " + file + " (height " + height + ") is neither valid hex nor a raw block");
            }
            return HexFormat.of().parseHex(text);
        }
        return raw;
    }

    /** Printable ASCII only (hex digits, 0x, whitespace): a raw block starts with a version, never text. */
    private static boolean looksLikeHexText(byte[] raw) {
        if (raw.length == 0) {
            return true;
        }
        for (byte b : raw) {
            if (b < 0x09 || b > 0x7E) {
                return false;
            }
        }
        return true;
    }
}
