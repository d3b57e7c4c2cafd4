package dev.jshrew.devnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jshrew.api.JshrewException;
import dev.jshrew.devnet.consensus.Block;
import dev.jshrew.devnet.consensus.Hash256;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code devnet serve}: bitcoind's calls, errors, HTTP statuses, auth, gradual release and reorgs, on loopback. */
class DevnetServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path shared;

    @TempDir
    Path temp;

    static Path chainDir;
    static final int COUNT = 12;

    @BeforeAll
    static void chain() {
        chainDir = shared.resolve("chain");
        SynthesizerTest.synthesize(chainDir, COUNT, 3, 0, 8_000);
    }

    record Answer(int status, String body, HttpResponse<String> response) {
        JsonNode json() throws Exception {
            return JSON.readTree(body);
        }

        JsonNode result() throws Exception {
            return json().get("result");
        }
    }

    static Answer post(URI url, String body, String auth) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(url)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body(), r);
    }

    static Answer call(URI url, String method, String params) throws Exception {
        return post(
                url, "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}", null);
    }

    static Answer call2(URI url, String method, String params) throws Exception {
        return post(
                url, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}", null);
    }

    static DevnetServer serve(DevnetChain chain) {
        return DevnetServer.start(chain, "127.0.0.1", 0, null, null);
    }

    static DevnetChain chainOf(Path dir) {
        return new DevnetChain(BlockDirectory.open(dir), 0, new TreeMap<>(), System::nanoTime);
    }

    static String hashAt(URI url, long h) throws Exception {
        return call(url, "getblockhash", "[" + h + "]").result().asText();
    }

    static Block blockAt(URI url, long h) throws Exception {
        String hex =
                call(url, "getblock", "[\"" + hashAt(url, h) + "\",0]").result().asText();
        return Block.parse(HexFormat.of().parseHex(hex));
    }

    @Test
    void servesTheDirectorysBlocksAsBitcoindDoes() throws Exception {
        BlockDirectory dir = BlockDirectory.open(chainDir);
        try (DevnetServer s = serve(chainOf(chainDir))) {
            URI url = s.url();
            Answer count = call(url, "getblockcount", "[]");
            assertThat(count.status()).isEqualTo(200);
            assertThat(count.json().get("error").isNull()).isTrue();
            assertThat(count.result().asLong()).isEqualTo(COUNT - 1);
            for (long h = 0; h < COUNT; h++) {
                byte[] file = dir.read(h);
                String hash = Hash256.display(Block.Header.parse(file).hash());
                assertThat(hashAt(url, h)).isEqualTo(hash);
                assertThat(call(url, "getblock", "[\"" + hash + "\",0]")
                                .result()
                                .asText())
                        .isEqualTo(HexFormat.of().formatHex(file));
            }
            String tipHash = hashAt(url, COUNT - 1);
            assertThat(call(url, "getbestblockhash", "[]").result().asText()).isEqualTo(tipHash);
            JsonNode verbose =
                    call(url, "getblock", "[\"" + hashAt(url, 5) + "\",1]").result();
            Block five = blockAt(url, 5);
            assertThat(verbose.get("height").asLong()).isEqualTo(5);
            assertThat(verbose.get("previousblockhash").asText()).isEqualTo(hashAt(url, 4));
            assertThat(verbose.get("nextblockhash").asText()).isEqualTo(hashAt(url, 6));
            assertThat(verbose.get("nTx").asInt()).isEqualTo(five.txs().size());
            assertThat(verbose.get("tx").get(0).asText())
                    .isEqualTo(Hash256.display(five.txs().getFirst().txid()));
            assertThat(verbose.get("confirmations").asLong()).isEqualTo(COUNT - 5);
            JsonNode header =
                    call(url, "getblockheader", "[\"" + tipHash + "\"]").result();
            assertThat(header.get("height").asLong()).isEqualTo(COUNT - 1);
            assertThat(header.get("bits").asText()).isEqualTo("207fffff");
            assertThat(header.has("nextblockhash")).isFalse();
            assertThat(call(url, "getblockheader", "[\"" + tipHash + "\",false]")
                            .result()
                            .asText())
                    .isEqualTo(HexFormat.of().formatHex(dir.readHeader(COUNT - 1)));
            JsonNode info = call(url, "getblockchaininfo", "[]").result();
            assertThat(info.get("blocks").asLong()).isEqualTo(COUNT - 1);
            assertThat(info.get("bestblockhash").asText()).isEqualTo(tipHash);
            assertThat(call(url, "getnetworkinfo", "[]").result().get("version").asInt())
                    .isPositive();
            // a JSON-RPC 2.0 answer has no "error" member on success; named parameters work
            Answer v2 = post(
                    url,
                    "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"getblockhash\",\"params\":{\"height\":3}}",
                    null);
            assertThat(v2.json().has("error")).isFalse();
            assertThat(v2.json().get("id").asText()).isEqualTo("x");
            assertThat(v2.result().asText()).isEqualTo(hashAt(url, 3));
        }
    }

    @Test
    void errorsHaveBitcoindsCodesTextsAndHttpStatuses() throws Exception {
        try (DevnetServer s = serve(chainOf(chainDir))) {
            URI url = s.url();
            Answer outOfRange = call(url, "getblockhash", "[" + COUNT + "]");
            assertThat(outOfRange.status()).isEqualTo(500);
            assertThat(outOfRange.json().get("result").isNull()).isTrue();
            assertThat(outOfRange.json().get("error").toString())
                    .isEqualTo("{\"code\":-8,\"message\":\"Block height out of range\"}");
            assertThat(call(url, "getblockhash", "[-1]")
                            .json()
                            .get("error")
                            .get("code")
                            .asInt())
                    .isEqualTo(-8);
            Answer v2 = call2(url, "getblockhash", "[" + COUNT + "]");
            assertThat(v2.status()).isEqualTo(200);
            assertThat(v2.json().has("result")).isFalse();
            assertThat(v2.json().get("error").get("code").asInt()).isEqualTo(-8);

            Answer unknown = call(url, "getblock", "[\"" + "ab".repeat(32) + "\",0]");
            assertThat(unknown.status()).isEqualTo(500);
            assertThat(unknown.json().get("error").toString())
                    .isEqualTo("{\"code\":-5,\"message\":\"Block not found\"}");
            assertThat(call(url, "getblock", "[\"abc\"]")
                            .json()
                            .get("error")
                            .get("code")
                            .asInt())
                    .isEqualTo(-8);
            assertThat(call(url, "getblockhash", "[\"1\"]")
                            .json()
                            .get("error")
                            .get("code")
                            .asInt())
                    .isEqualTo(-3);

            Answer noMethod = call(url, "sendtoaddress", "[]");
            assertThat(noMethod.status()).isEqualTo(404);
            assertThat(noMethod.json().get("error").get("code").asInt()).isEqualTo(-32601);
            Answer parse = post(url, "{not json", null);
            assertThat(parse.status()).isEqualTo(500);
            assertThat(parse.json().get("error").get("code").asInt()).isEqualTo(-32700);
            Answer batch = post(url, "[{\"id\":1,\"method\":\"getblockcount\"},{\"id\":2,\"method\":\"nope\"}]", null);
            assertThat(batch.status()).isEqualTo(200);
            assertThat(batch.json().get(0).get("result").asLong()).isEqualTo(COUNT - 1);
            assertThat(batch.json().get(1).get("error").get("code").asInt()).isEqualTo(-32601);
            HttpResponse<String> get =
                    HTTP.send(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(get.statusCode()).isEqualTo(405);
        }
    }

    @Test
    void basicAuthAndACookieFileWrittenLikeBitcoinds() throws Exception {
        Path cookie = temp.resolve("devnet.cookie");
        try (DevnetServer s = DevnetServer.start(chainOf(chainDir), "127.0.0.1", 0, "alice:s3cret", cookie)) {
            URI url = s.url();
            String body = "{\"id\":1,\"method\":\"getblockcount\",\"params\":[]}";
            Answer none = post(url, body, null);
            assertThat(none.status()).isEqualTo(401);
            assertThat(none.response().headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"jsonrpc\"");
            assertThat(post(url, body, basic("alice:wrong")).status()).isEqualTo(401);
            assertThat(post(url, body, basic("alice:s3cret")).result().asLong()).isEqualTo(COUNT - 1);
            String secret = Files.readString(cookie);
            assertThat(secret).matches("__cookie__:[0-9a-f]{64}");
            assertThat(Files.getPosixFilePermissions(cookie))
                    .containsExactlyInAnyOrder(
                            java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
            assertThat(post(url, body, basic(secret)).result().asLong()).isEqualTo(COUNT - 1);
        }
        assertThat(cookie).doesNotExist();
    }

    static String basic(String userPass) {
        return "Basic " + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
    }

    /** Heights first…tip link by previous hash, and every block's merkle root and commitment check. */
    static void assertLinked(URI url) throws Exception {
        long tip = call(url, "getblockcount", "[]").result().asLong();
        byte[] prev = null;
        for (long h = 0; h <= tip; h++) {
            Block b = blockAt(url, h);
            b.verify();
            assertThat(Hash256.display(b.hash())).isEqualTo(hashAt(url, h));
            if (prev != null) {
                assertThat(b.header().prevHash()).as("height %d links", h).isEqualTo(prev);
            }
            prev = b.hash();
        }
    }

    @Test
    void aLiveReorgReplacesTheLastBlocksByALongerLinkedBranchAndKeepsTheOldOnesFetchable() throws Exception {
        try (DevnetServer s = serve(chainOf(chainDir))) {
            URI url = s.url();
            String[] before = new String[COUNT];
            for (int h = 0; h < COUNT; h++) {
                before[h] = hashAt(url, h);
            }
            JsonNode r = call(url, "devnet_reorg", "[3]").result();
            assertThat(r.get("fork_height").asLong()).isEqualTo(COUNT - 3);
            assertThat(r.get("old_tip").asLong()).isEqualTo(COUNT - 1);
            assertThat(r.get("new_tip").asLong()).isEqualTo(COUNT);
            assertThat(call(url, "getblockcount", "[]").result().asLong()).isEqualTo(COUNT);
            for (int h = 0; h < COUNT; h++) {
                assertThat(hashAt(url, h).equals(before[h]))
                        .as("height %d unchanged", h)
                        .isEqualTo(h < COUNT - 3);
            }
            assertLinked(url);
            // the same transactions, another coinbase
            Block old = Block.parse(HexFormat.of()
                    .parseHex(call(url, "getblock", "[\"" + before[COUNT - 2] + "\",0]")
                            .result()
                            .asText()));
            Block replaced = blockAt(url, COUNT - 2);
            assertThat(replaced.txs().subList(1, replaced.txs().size()).stream().map(t -> Hash256.display(t.txid())))
                    .containsExactlyElementsOf(old.txs().subList(1, old.txs().size()).stream()
                            .map(t -> Hash256.display(t.txid()))
                            .toList());
            assertThat(replaced.txs().getFirst().txid())
                    .isNotEqualTo(old.txs().getFirst().txid());
            JsonNode stale = call(url, "getblockheader", "[\"" + before[COUNT - 1] + "\"]")
                    .result();
            assertThat(stale.get("confirmations").asLong()).isEqualTo(-1);
            // too deep: the first block stays
            Answer tooDeep = call(url, "devnet_reorg", "[" + (COUNT + 1) + "]");
            assertThat(tooDeep.json().get("error").get("code").asInt()).isEqualTo(-8);
        }
    }

    @Test
    void blocksAreReleasedAtTheRateAndAScriptedReorgWaitsForItsBlockToBeFetched() throws Exception {
        AtomicLong clock = new AtomicLong();
        NavigableMap<Long, Integer> reorgs = new TreeMap<>();
        reorgs.put(6L, 2);
        DevnetChain chain = new DevnetChain(BlockDirectory.open(chainDir), 2.0, reorgs, clock::get);
        try (DevnetServer s = serve(chain)) {
            URI url = s.url();
            assertThat(call(url, "getblockcount", "[]").result().asLong()).isZero();
            clock.addAndGet(1_000_000_000L); // one second: two blocks
            assertThat(call(url, "getblockcount", "[]").result().asLong()).isEqualTo(2);
            clock.addAndGet(10_000_000_000L); // the tip waits at the scripted height
            assertThat(call(url, "getblockcount", "[]").result().asLong()).isEqualTo(6);
            String six = hashAt(url, 6);
            assertThat(call(url, "getblockcount", "[]").result().asLong()).isEqualTo(6);
            blockAt(url, 6); // a client fetched it: the reorg of depth 2 happens, the tip is 7
            assertThat(call(url, "getblockcount", "[]").result().asLong()).isEqualTo(7);
            assertThat(hashAt(url, 6)).isNotEqualTo(six);
            clock.addAndGet(1_000_000_000L);
            assertThat(call(url, "getblockcount", "[]").result().asLong()).isEqualTo(9);
            assertLinked(url);
        }
    }

    @Test
    void aLiveReorgSupersedesAScriptedOneWaitingAtTheTipAndTheTipNeverGoesDown() {
        NavigableMap<Long, Integer> reorgs = new TreeMap<>();
        reorgs.put(6L, 2);
        reorgs.put(9L, 1);
        DevnetChain chain = new DevnetChain(BlockDirectory.open(chainDir), 0, reorgs, System::nanoTime);
        assertThat(chain.tip()).isEqualTo(6);
        DevnetChain.Reorg r = chain.reorg(1);
        assertThat(r.forkHeight()).isEqualTo(6);
        assertThat(r.newTip()).isEqualTo(7);
        // the scripted reorg at 6 is gone; the one at 9 still holds the tip there until block 9 is fetched
        assertThat(chain.tip()).isEqualTo(9);
        chain.fetch(chain.at(9).orElseThrow());
        assertThat(chain.tip()).isEqualTo(COUNT - 1);
        assertThat(chain.at(9).orElseThrow().branch()).isEqualTo(2);
        assertThat(chain.at(8).orElseThrow().branch()).isEqualTo(1);
    }

    @Test
    void refusesGapsBrokenLinksAndBadReorgOptions() throws Exception {
        Path gap = Files.createDirectories(temp.resolve("gap"));
        BlockDirectory dir = BlockDirectory.open(chainDir);
        for (long h : new long[] {0, 1, 3}) {
            Files.copy(dir.files().get(h), gap.resolve(dir.files().get(h).getFileName()));
        }
        assertThatThrownBy(() -> chainOf(gap))
                .isInstanceOf(JshrewException.class)
                .hasMessageContaining("no block at height 2");
        Path broken = Files.createDirectories(temp.resolve("broken"));
        Files.copy(dir.files().get(0L), broken.resolve("b-0.hex"));
        Files.copy(dir.files().get(2L), broken.resolve("b-1.hex"));
        assertThatThrownBy(() -> chainOf(broken)).hasMessageContaining("does not link");
        NavigableMap<Long, Integer> deep = new TreeMap<>();
        deep.put(3L, 4);
        assertThatThrownBy(() -> new DevnetChain(dir, 0, deep, System::nanoTime))
                .hasMessageContaining("depth");
    }
}
