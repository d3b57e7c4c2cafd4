package dev.jshrew.node.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.tck.Fixtures;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bitcoind client and its credentials against the fake, and the backoff schedule (§8.1, §8.2). */
class BitcoindClientTest {
    @TempDir
    Path temp;

    static String basic(String userPass) {
        return "Basic " + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void callsAndAnswersLikeBitcoind() throws Exception {
        RegtestChain chain = RegtestChain.startingWith(
                        Fixtures.realBlocks().get(0L).bytes())
                .extend(2, "a", RegtestChain.sharedAndUnique("a"));
        try (FakeBitcoind fake = new FakeBitcoind().serve(chain)) {
            BitcoindClient rpc = new BitcoindClient(fake.url(), BitcoindAuth.none());
            assertThat(rpc.getBlockCount()).isEqualTo(2);
            assertThat(rpc.getBlockHash(1)).get().isEqualTo(chain.hash(1));
            assertThat(rpc.getBlockHash(3)).isEmpty(); // -8: above the tip is an answer, not a failure
            assertThat(rpc.getBlock(chain.hash(2))).isEqualTo(chain.block(2));
            assertThatThrownBy(() -> rpc.getBlock(new byte[32]))
                    .isInstanceOf(BitcoindClient.RpcErrorException.class)
                    .hasMessageContaining("-5");
            fake.failNext("getblockcount", 1);
            assertThatThrownBy(rpc::getBlockCount)
                    .isInstanceOf(SourceException.class)
                    .hasMessageContaining("HTTP 503");
            assertThat(fake.calls("getblock").getLast().params())
                    .isEqualTo("[\"" + dev.jshrew.host.Hashes.hex(new byte[32]) + "\",0]");
        }
    }

    @Test
    void credentialsFromAuthTheUrlOrACookieFile() throws Exception {
        RegtestChain chain =
                RegtestChain.startingWith(Fixtures.realBlocks().get(0L).bytes());
        try (FakeBitcoind fake = new FakeBitcoind().serve(chain)) {
            fake.requireAuth(basic("u:p"));
            assertThatThrownBy(() -> new BitcoindClient(fake.url(), BitcoindAuth.none()).getBlockCount())
                    .isInstanceOf(SourceException.class)
                    .hasMessageContaining("HTTP 401");
            assertThat(new BitcoindClient(fake.url(), BitcoindAuth.of("u:p", null, fake.url())).getBlockCount())
                    .isZero();
            URI withUser = URI.create(fake.url().toString().replace("http://", "http://u:p@"));
            assertThat(new BitcoindClient(withUser, BitcoindAuth.of(null, null, withUser)).getBlockCount())
                    .isZero();
            fake.requireAuth("Bearer tok");
            assertThat(new BitcoindClient(fake.url(), BitcoindAuth.of("tok", null, fake.url())).getBlockCount())
                    .isZero();
            // A cookie file is re-read on every request: bitcoind writes a new one when it restarts.
            Path cookie = Files.writeString(temp.resolve(".cookie"), "__cookie__:aa\n");
            BitcoindClient byCookie = new BitcoindClient(fake.url(), BitcoindAuth.of(null, cookie, fake.url()));
            fake.requireAuth(basic("__cookie__:aa"));
            assertThat(byCookie.getBlockCount()).isZero();
            Files.writeString(cookie, "__cookie__:bb\n");
            fake.requireAuth(basic("__cookie__:bb"));
            assertThat(byCookie.getBlockCount()).isZero();
            assertThat(BitcoindAuth.of(null, cookie, fake.url()).describe()).doesNotContain("bb");
        }
    }

    @Test
    void backoffDoublesFromOneSecondToSixteenWithSmallDeterministicJitter() {
        Backoff b = Backoff.DEFAULT;
        long[] expected = {1000, 2000, 4000, 8000, 16000, 16000, 16000};
        for (int attempt = 1; attempt <= expected.length; attempt++) {
            Duration d = b.delay("getblockhash 5", attempt);
            assertThat(d.toMillis()).isBetween(expected[attempt - 1], expected[attempt - 1] + 100);
            assertThat(b.delay("getblockhash 5", attempt)).isEqualTo(d);
        }
        assertThat(b.delay("x", 1000).toMillis()).isBetween(16000L, 16100L);
    }
}
