package dev.jshrew.node.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every form of rockshrew-mono's {@code --auth} (METASHREW-ABI §6.4), and jshrew's cookie file. */
class BitcoindAuthTest {
    static final URI PLAIN = URI.create("http://127.0.0.1:8332");

    static String basic(String userPass) {
        return "Basic " + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void userColonPassIsBasicAndTheFirstColonSplits() {
        BitcoindAuth auth = BitcoindAuth.of("bitcoinrpc:bitcoinrpc", null, PLAIN);
        assertThat(auth.header()).contains(basic("bitcoinrpc:bitcoinrpc"));
        assertThat(auth.describe()).isEqualTo("basic auth");
        // A password may hold colons: user "u", password "p:a:ss".
        assertThat(BitcoindAuth.of("u:p:a:ss", null, PLAIN).header()).contains(basic("u:p:a:ss"));
        assertThat(BitcoindAuth.of(":", null, PLAIN).header()).contains(basic(":"));
    }

    @Test
    void aValueWithoutAColonIsABearerToken() {
        BitcoindAuth auth = BitcoindAuth.of("s3cr3t-token", null, PLAIN);
        assertThat(auth.header()).contains("Bearer s3cr3t-token");
        assertThat(auth.describe()).isEqualTo("bearer token");
    }

    @Test
    void sshfsIsRefusedClearly() {
        for (String sshfs : new String[] {"sshfs://node.example:/home/btc/.bitcoin/.cookie", "SSHFS://h:/c"}) {
            assertThatThrownBy(() -> BitcoindAuth.of(sshfs, null, PLAIN))
                    .isInstanceOfSatisfying(
                            JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INPUT))
                    .hasMessageContaining("not supported")
                    .hasMessageContaining("--rpc-cookie-file");
        }
    }

    @Test
    void noAuthUrlUserInfoAndCookieFile(@TempDir Path temp) throws Exception {
        assertThat(BitcoindAuth.of(null, null, PLAIN).header()).isEmpty();
        assertThat(BitcoindAuth.of("", null, PLAIN).header()).isEmpty();
        assertThat(BitcoindAuth.of(null, null, URI.create("http://alice:p%40ss@127.0.0.1:8332"))
                        .header())
                .contains(basic("alice:p@ss"));
        // --auth wins over the URL's user info.
        assertThat(BitcoindAuth.of("bob:pw", null, URI.create("http://alice:x@127.0.0.1:8332"))
                        .header())
                .contains(basic("bob:pw"));
        Path cookie = temp.resolve(".cookie");
        Files.writeString(cookie, "__cookie__:abc\n");
        BitcoindAuth fromCookie = BitcoindAuth.of(null, cookie, PLAIN);
        assertThat(fromCookie.header()).contains(basic("__cookie__:abc"));
        Files.writeString(cookie, "__cookie__:def\n"); // bitcoind restarted: re-read
        assertThat(fromCookie.header()).contains(basic("__cookie__:def"));
        assertThatThrownBy(() -> BitcoindAuth.of("u:p", cookie, PLAIN))
                .isInstanceOfSatisfying(
                        JshrewException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INPUT));
    }
}
