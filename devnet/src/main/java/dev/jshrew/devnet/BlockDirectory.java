package dev.jshrew.devnet;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.NavigableMap;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A directory of block files as everywhere in jshrew: one block per file, hex text (optional {@code 0x}, trailing
 * whitespace) or raw bytes, the height the last run of digits in the file name ({@code mainnet-840243.hex} →
 * 840243); files without digits (a README) are not blocks. Reads only; thread-safe.
 */
public final class BlockDirectory {
    private static final Pattern DIGITS = Pattern.compile("(\\d+)(?!.*\\d)");

    private final Path dir;
    private final NavigableMap<Long, Path> files;

    private BlockDirectory(Path dir, NavigableMap<Long, Path> files) {
        this.dir = dir;
        this.files = files;
    }

    /** Lists {@code dir}; {@link ErrorCode#INPUT} when it is missing, unreadable, or has two files for a height. */
    public static BlockDirectory open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new JshrewException(ErrorCode.INPUT, "no block directory at " + dir);
        }
        NavigableMap<Long, Path> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path f : list.filter(Files::isRegularFile).sorted().toList()) {
                OptionalLong h = heightOf(f);
                if (h.isPresent()) {
                    Path previous = files.put(h.getAsLong(), f);
                    if (previous != null) {
                        throw new JshrewException(
                                ErrorCode.INPUT,
                                "two block files for height " + h.getAsLong() + ": " + previous + " and " + f);
                    }
                }
            }
        } catch (IOException e) {
            throw new JshrewException(ErrorCode.INPUT, "cannot list block directory " + dir + ": " + e, e);
        }
        return new BlockDirectory(dir, files);
    }

    public Path dir() {
        return dir;
    }

    /** The block files by height. */
    public NavigableMap<Long, Path> files() {
        return java.util.Collections.unmodifiableNavigableMap(files);
    }

    static OptionalLong heightOf(Path file) {
        Matcher m = DIGITS.matcher(file.getFileName().toString());
        if (!m.find()) {
            return OptionalLong.empty();
        }
        String digits = m.group(1);
        if (digits.length() > 10 || Long.parseLong(digits) > 0xFFFF_FFFFL) {
            throw new JshrewException(ErrorCode.INPUT, "block file " + file + ": height " + digits + " is not a u32");
        }
        return OptionalLong.of(Long.parseLong(digits));
    }

    /** The whole block at {@code height}. */
    public byte[] read(long height) {
        Path file = file(height);
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new JshrewException(ErrorCode.INPUT, "cannot read block file " + file + ": " + e, e);
        }
        return decode(file, raw, false);
    }

    /** The first 80 bytes (the header) of the block at {@code height}, reading no more of the file than needed. */
    public byte[] readHeader(long height) {
        Path file = file(height);
        byte[] prefix;
        try (InputStream in = Files.newInputStream(file)) {
            prefix = in.readNBytes(2 + 160);
        } catch (IOException e) {
            throw new JshrewException(ErrorCode.INPUT, "cannot read block file " + file + ": " + e, e);
        }
        byte[] block = decode(file, prefix, true);
        if (block.length < 80) {
            throw new JshrewException(ErrorCode.INPUT, "block file " + file + " is shorter than a block header");
        }
        return java.util.Arrays.copyOf(block, 80);
    }

    private Path file(long height) {
        Path file = files.get(height);
        if (file == null) {
            throw new JshrewException(ErrorCode.INPUT, "no block file for height " + height + " in " + dir);
        }
        return file;
    }

    private static byte[] decode(Path file, byte[] raw, boolean prefixOnly) {
        if (!looksLikeHexText(raw)) {
            return raw;
        }
        String text = new String(raw, StandardCharsets.US_ASCII).strip();
        if (text.startsWith("0x") || text.startsWith("0X")) {
            text = text.substring(2);
        }
        if (prefixOnly) {
            text = text.substring(0, Math.min(text.length(), 160));
        }
        if (text.length() % 2 != 0 || !text.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new JshrewException(ErrorCode.INPUT, "block file " + file + " is neither valid hex nor a raw block");
        }
        return HexFormat.of().parseHex(text);
    }

    /** Printable ASCII only: a raw block starts with a version, never text. */
    private static boolean looksLikeHexText(byte[] raw) {
        for (byte b : raw) {
            if (b < 0x09 || b > 0x7E) {
                return false;
            }
        }
        return true;
    }
}
