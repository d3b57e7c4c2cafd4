package dev.jshrew.node.chain;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;

/**
 * How the node authenticates to bitcoind (METASHREW-ABI §6.4 {@code --auth}): {@code user:pass} is HTTP Basic,
 * a value without a colon is a Bearer token, and a cookie file (bitcoind's {@code .cookie}, one line
 * {@code __cookie__:HEX}) is Basic with its contents, re-read on every request because bitcoind writes a new one
 * each time it starts ({@code --auth sshfs://…}, the original's cookie over SSH, is refused). Credentials in the URL
 * ({@code http://user:pass@host:port}) count as {@code --auth}. Immutable; thread-safe.
 */
public final class BitcoindAuth {
    private static final String SSHFS = "sshfs://";

    private final String fixedHeader;
    private final Path cookieFile;

    private BitcoindAuth(String fixedHeader, Path cookieFile) {
        this.fixedHeader = fixedHeader;
        this.cookieFile = cookieFile;
    }

    /** No authentication. */
    public static BitcoindAuth none() {
        return new BitcoindAuth(null, null);
    }

    /**
     * @param auth {@code --auth} or null
     * @param cookieFile {@code --rpc-cookie-file} or null
     * @param url the RPC URL (its user info is used when neither is given)
     * @throws JshrewException {@link ErrorCode#INPUT} when both are given, or for rockshrew-mono's
     *     {@code --auth sshfs://HOST:PATH} (a cookie file read over SSH), which jshrew does not support
     */
    public static BitcoindAuth of(String auth, Path cookieFile, URI url) {
        if (auth != null && cookieFile != null) {
            throw new JshrewException(ErrorCode.INPUT, "give either --auth or --rpc-cookie-file, not both");
        }
        if (cookieFile != null) {
            return new BitcoindAuth(null, cookieFile);
        }
        String value = auth;
        if (value == null && url.getRawUserInfo() != null) {
            value = URLDecoder.decode(url.getRawUserInfo(), StandardCharsets.UTF_8);
        }
        if (value == null || value.isEmpty()) {
            return none();
        }
        if (value.regionMatches(true, 0, SSHFS, 0, SSHFS.length())) {
            throw new JshrewException(
                    ErrorCode.INPUT,
                    "--auth sshfs://… (reading bitcoind's cookie file over SSH) is not supported: mount or copy the"
                            + " cookie file and give --rpc-cookie-file FILE, or give --auth USER:PASS");
        }
        return new BitcoindAuth(value.contains(":") ? basic(value) : "Bearer " + value, null);
    }

    private static String basic(String userPass) {
        return "Basic " + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
    }

    /** The {@code Authorization} header value, if any. */
    public Optional<String> header() {
        if (cookieFile != null) {
            try {
                String cookie =
                        Files.readString(cookieFile, StandardCharsets.UTF_8).strip();
                return Optional.of(basic(cookie));
            } catch (IOException e) {
                throw new SourceException("cannot read the bitcoind cookie file " + cookieFile + ": " + e, e);
            }
        }
        return Optional.ofNullable(fixedHeader);
    }

    /** What kind of authentication, for logs (never the secret). */
    public String describe() {
        if (cookieFile != null) {
            return "cookie file " + cookieFile;
        }
        return fixedHeader == null ? "no auth" : fixedHeader.startsWith("Basic") ? "basic auth" : "bearer token";
    }
}
