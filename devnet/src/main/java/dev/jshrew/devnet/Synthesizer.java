package dev.jshrew.devnet;

import dev.jshrew.api.ErrorCode;
import dev.jshrew.api.JshrewException;
import dev.jshrew.devnet.consensus.Block;
import dev.jshrew.devnet.consensus.Coinbase;
import dev.jshrew.devnet.consensus.Hash256;
import dev.jshrew.devnet.consensus.MalformedBlockException;
import dev.jshrew.devnet.consensus.Merkle;
import dev.jshrew.devnet.consensus.Tx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * {@code devnet synthesize}: a long chain from real transactions. It draws the non-coinbase transactions of the
 * block files in {@code from} at random (seeded {@link SplittableRandom}, so the output is the same bytes on every
 * run and JDK) and re-chains them: every input is rewritten to spend an unspent output created earlier in the
 * synthetic chain (scripts, witnesses, envelopes, runestones and OP_RETURNs stay as they are, so signatures are not
 * valid). OP_RETURN outputs are never spent.
 *
 * <p>The first block is a funding block: a coinbase with {@code blockSize / 100} outputs that later blocks may spend
 * at once (the one exception to coinbase maturity). Every later block: transactions drawn until the next would not
 * fit in {@code blockSize} bytes (32 failed draws in a row end a block), then a coinbase with BIP34's height, the
 * subsidy, more outputs when the spendable pool runs low (spendable 100 blocks later, as consensus requires), and
 * the BIP141 witness commitment when the block has witnesses; headers chained by previous hash with correct merkle
 * roots, version {@code 0x20000000}, regtest bits {@code 0x207fffff}, time {@code 1231006505 + 600 × height}.
 * Files are {@code devnet-HEIGHT.hex} (seven digits at least), one line of hex each.
 */
public final class Synthesizer {
    /** Coinbase outputs become spendable this many blocks later. */
    static final int COINBASE_MATURITY = 100;
    /** Consecutive failed draws that end a block. */
    private static final int MAX_MISSES = 32;

    private static final int GENESIS_TIME = 1_231_006_505;

    /** What to build. */
    public record Options(Path from, int count, long seed, Path out, long startHeight, int blockSize) {}

    /** What was built. */
    public record Summary(
            long firstHeight, long lastHeight, long transactions, long inputs, long bytes, Map<TxKind, Long> kinds) {
        /** One line per fact, for the command's output. */
        public String describe(Path out) {
            StringBuilder s = new StringBuilder();
            s.append("synthesized ")
                    .append(lastHeight - firstHeight + 1)
                    .append(" blocks (heights ")
                    .append(firstHeight)
                    .append('…')
                    .append(lastHeight)
                    .append(") into ")
                    .append(out)
                    .append(": ")
                    .append(transactions)
                    .append(" transactions besides coinbases, ")
                    .append(inputs)
                    .append(" inputs re-chained, ")
                    .append(bytes)
                    .append(" block bytes\n");
            for (TxKind k : TxKind.values()) {
                s.append(k.label()).append(": ").append(kinds.get(k)).append('\n');
            }
            return s.toString();
        }
    }

    /** The spendable outputs: swap-remove at a random index. */
    private static final class Pool {
        private byte[][] txids = new byte[1024][];
        private int[] vouts = new int[1024];
        private int size;

        void add(byte[] txid, int vout) {
            if (size == vouts.length) {
                txids = Arrays.copyOf(txids, size * 2);
                vouts = Arrays.copyOf(vouts, size * 2);
            }
            txids[size] = txid;
            vouts[size++] = vout;
        }

        Tx.Input spend(Tx.Input in, SplittableRandom rng) {
            int i = rng.nextInt(size);
            Tx.Input out = in.spending(txids[i], vouts[i]);
            size--;
            txids[i] = txids[size];
            vouts[i] = vouts[size];
            txids[size] = null;
            return out;
        }
    }

    private record Matured(long height, byte[] txid, int outputs) {}

    private Synthesizer() {}

    /** Builds the chain; {@link ErrorCode#INPUT} for bad options, an unusable source or a non-empty output dir. */
    public static Summary run(Options o) {
        if (o.count() < 1) {
            throw new JshrewException(ErrorCode.INPUT, "--count must be at least 1");
        }
        if (o.blockSize() < 1000) {
            throw new JshrewException(ErrorCode.INPUT, "--block-size must be at least 1000 bytes");
        }
        if (o.startHeight() < 0 || o.startHeight() + o.count() - 1 > 0xFFFF_FFFFL) {
            throw new JshrewException(ErrorCode.INPUT, "heights must be u32: --start-height " + o.startHeight());
        }
        List<Tx> source = sourceTransactions(o.from());
        prepareOutput(o.out());
        int[] sizes = new int[source.size()];
        List<Set<TxKind>> kinds = new ArrayList<>(source.size());
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = source.get(i).serialize().length;
            kinds.add(TxKind.of(source.get(i)));
        }
        SplittableRandom rng = new SplittableRandom(o.seed());
        Pool pool = new Pool();
        ArrayDeque<Matured> maturing = new ArrayDeque<>();
        int minPool = Math.max(16, o.blockSize() / 100);
        Map<TxKind, Long> counts = new EnumMap<>(TxKind.class);
        for (TxKind k : TxKind.values()) {
            counts.put(k, 0L);
        }
        long txCount = 0;
        long inputCount = 0;
        long bytes = 0;
        byte[] prev = o.startHeight() == 0
                ? new byte[32]
                : Hash256.sha256d(("jshrew devnet seed " + o.seed() + " height " + o.startHeight())
                        .getBytes(StandardCharsets.UTF_8));
        byte[] tag = ("jshrew devnet " + o.seed()).getBytes(StandardCharsets.UTF_8);
        HexWriter writer = new HexWriter();
        byte[] payTo = p2wpkh(Hash256.sha256(("jshrew devnet " + o.seed()).getBytes(StandardCharsets.UTF_8)));
        for (int i = 0; i < o.count(); i++) {
            long height = o.startHeight() + i;
            while (!maturing.isEmpty() && maturing.peekFirst().height() <= height) {
                Matured m = maturing.pollFirst();
                for (int v = 0; v < m.outputs(); v++) {
                    pool.add(m.txid(), v);
                }
            }
            List<byte[]> bodies = new ArrayList<>();
            List<byte[]> txids = new ArrayList<>();
            List<byte[]> wtxids = new ArrayList<>();
            txids.add(null); // the coinbase's, known last
            wtxids.add(new byte[32]); // BIP141: the coinbase counts as zero in the witness root
            boolean witness = false;
            if (i > 0) {
                long room = o.blockSize() - 80 - 5 - 400L;
                int misses = 0;
                while (misses < MAX_MISSES) {
                    int k = rng.nextInt(source.size());
                    Tx tx = source.get(k);
                    if (sizes[k] > room || tx.inputs().size() > pool.size) {
                        misses++;
                        continue;
                    }
                    misses = 0;
                    List<Tx.Input> inputs = new ArrayList<>(tx.inputs().size());
                    for (Tx.Input in : tx.inputs()) {
                        inputs.add(pool.spend(in, rng));
                    }
                    Tx placed = tx.withInputs(inputs);
                    byte[] full = placed.serialize();
                    byte[] txid = placed.segwit() ? placed.txid() : Hash256.sha256d(full);
                    List<Tx.Output> outs = placed.outputs();
                    for (int v = 0; v < outs.size(); v++) {
                        byte[] s = outs.get(v).script();
                        if (s.length == 0 || s[0] != 0x6a) {
                            pool.add(txid, v);
                        }
                    }
                    bodies.add(full);
                    txids.add(txid);
                    wtxids.add(placed.segwit() ? Hash256.sha256d(full) : txid);
                    witness |= placed.segwit();
                    room -= sizes[k];
                    txCount++;
                    inputCount += inputs.size();
                    for (TxKind kind : kinds.get(k)) {
                        counts.merge(kind, 1L, Long::sum);
                    }
                }
            }
            int extra = i == 0 ? minPool : Math.max(0, Math.min(2000, minPool - pool.size));
            List<Tx.Output> outputs = new ArrayList<>(1 + extra);
            outputs.add(new Tx.Output(subsidy(height), payTo));
            for (int e = 0; e < extra; e++) {
                outputs.add(new Tx.Output(10_000, payTo));
            }
            byte[] commitment = witness ? Block.commitment(Merkle.root(wtxids), new byte[32]) : null;
            Tx coinbase = Coinbase.create(height, tag, outputs, commitment);
            byte[] coinbaseTxid = coinbase.txid();
            txids.set(0, coinbaseTxid);
            if (i == 0) {
                for (int v = 0; v < outputs.size(); v++) {
                    pool.add(coinbaseTxid, v);
                }
            } else {
                maturing.addLast(new Matured(height + COINBASE_MATURITY, coinbaseTxid, outputs.size()));
            }
            Block.Header header =
                    new Block.Header(0x2000_0000, prev, Merkle.root(txids), time(height), 0x207f_ffff, (int)
                            new SplittableRandom(o.seed() ^ height).nextLong());
            byte[] headerBytes = header.serialize();
            bodies.addFirst(coinbase.serialize());
            writer.write(o.out().resolve(fileName(height)), headerBytes, bodies);
            for (byte[] b : bodies) {
                bytes += b.length;
            }
            bytes += 80 + compactSizeLength(bodies.size());
            prev = Hash256.sha256d(headerBytes);
        }
        writer.finish();
        return new Summary(o.startHeight(), o.startHeight() + o.count() - 1, txCount, inputCount, bytes, counts);
    }

    /** The file name of the block at {@code height}. */
    public static String fileName(long height) {
        return String.format("devnet-%07d.hex", height);
    }

    static int time(long height) {
        return (int) (GENESIS_TIME + 600L * height);
    }

    /** The block subsidy: 50 BTC halving every 210,000 blocks. */
    static long subsidy(long height) {
        long halvings = height / 210_000;
        return halvings >= 64 ? 0 : (50_0000_0000L >> halvings);
    }

    private static byte[] p2wpkh(byte[] seed) {
        byte[] s = new byte[22];
        s[0] = 0x00;
        s[1] = 0x14;
        System.arraycopy(seed, 0, s, 2, 20);
        return s;
    }

    private static List<Tx> sourceTransactions(Path from) {
        BlockDirectory dir = BlockDirectory.open(from);
        List<Tx> txs = new ArrayList<>();
        for (long h : dir.files().keySet()) {
            Block b;
            try {
                b = Block.parse(dir.read(h));
            } catch (MalformedBlockException e) {
                throw new JshrewException(
                        ErrorCode.INPUT,
                        "block file for height " + h + " in " + from + " is not a block: " + e.getMessage(),
                        e);
            }
            txs.addAll(b.txs().subList(1, b.txs().size()));
        }
        if (txs.isEmpty()) {
            throw new JshrewException(ErrorCode.INPUT, "no transactions besides coinbases in the blocks of " + from);
        }
        return txs;
    }

    private static void prepareOutput(Path out) {
        try {
            if (Files.exists(out)) {
                if (!Files.isDirectory(out)) {
                    throw new JshrewException(ErrorCode.INPUT, "--out " + out + " is not a directory");
                }
                try (Stream<Path> list = Files.list(out)) {
                    if (list.findAny().isPresent()) {
                        throw new JshrewException(
                                ErrorCode.INPUT, "--out " + out + " is not empty (synthesize writes only new files)");
                    }
                }
            }
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new JshrewException(ErrorCode.INPUT, "cannot create --out " + out + ": " + e, e);
        }
    }

    private static int compactSizeLength(long n) {
        return n < 0xfd ? 1 : n <= 0xffff ? 3 : 5;
    }

    /**
     * Writes blocks as hex files on a second thread (the main thread hashes the next block meanwhile); at most one
     * block waits. Each file is written whole with {@code CREATE_NEW}.
     */
    private static final class HexWriter {
        private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        private final java.util.concurrent.ExecutorService thread =
                java.util.concurrent.Executors.newSingleThreadExecutor(
                        r -> Thread.ofPlatform().daemon().name("devnet-writer").unstarted(r));
        private java.util.concurrent.Future<?> pending;

        void write(Path file, byte[] header, List<byte[]> txs) {
            await();
            pending = thread.submit(() -> {
                long n = header.length + compactSizeLength(txs.size());
                for (byte[] t : txs) {
                    n += t.length;
                }
                byte[] text = new byte[(int) (2 * n + 1)];
                int at = hex(text, 0, header);
                byte[] count = new byte[compactSizeLength(txs.size())];
                int c = txs.size();
                if (count.length == 1) {
                    count[0] = (byte) c;
                } else if (count.length == 3) {
                    count[0] = (byte) 0xfd;
                    count[1] = (byte) c;
                    count[2] = (byte) (c >>> 8);
                } else {
                    count[0] = (byte) 0xfe;
                    for (int b = 0; b < 4; b++) {
                        count[1 + b] = (byte) (c >>> (8 * b));
                    }
                }
                at = hex(text, at, count);
                for (byte[] t : txs) {
                    at = hex(text, at, t);
                }
                text[at] = '\n';
                try {
                    Files.write(file, text, java.nio.file.StandardOpenOption.CREATE_NEW);
                } catch (IOException e) {
                    throw new JshrewException(ErrorCode.INPUT, "cannot write " + file + ": " + e, e);
                }
            });
        }

        private static int hex(byte[] text, int at, byte[] bytes) {
            for (byte b : bytes) {
                text[at++] = HEX[(b >> 4) & 0xf];
                text[at++] = HEX[b & 0xf];
            }
            return at;
        }

        private void await() {
            if (pending == null) {
                return;
            }
            try {
                pending.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JshrewException(ErrorCode.INPUT, "interrupted while writing blocks", e);
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException(e.getCause());
            } finally {
                pending = null;
            }
        }

        void finish() {
            try {
                await();
            } finally {
                thread.shutdown();
            }
        }
    }
}
