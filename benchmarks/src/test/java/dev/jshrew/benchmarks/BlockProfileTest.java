package dev.jshrew.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The stack classification of {@link BlockProfile}: innermost frame first, as Flight Recorder gives them. */
class BlockProfileTest {
    @Test
    void storeFlushResetAndCommitAreRecognisedUnderTheirCallees() {
        assertEquals(
                "store reads",
                BlockProfile.classify(List.of(
                        "org.rocksdb.RocksIterator.seekForPrev0",
                        "dev.jshrew.storage.rocksdb.RocksDbStore$IteratorReader.get",
                        "dev.jshrew.host.abi.CallContext.read",
                        "dev.jshrew.host.abi.MetashrewAbi.getLen",
                        "io.github.kawamuray.wasmtime.Func.nativeCall")));
        assertEquals(
                "commit",
                BlockProfile.classify(List.of(
                        "org.rocksdb.RocksDB.write0",
                        "dev.jshrew.storage.rocksdb.RocksDbStore.commitBlock",
                        "dev.jshrew.host.Indexer.indexBlock")));
        assertEquals(
                "commit",
                BlockProfile.classify(List.of(
                        "java.security.MessageDigest.update",
                        "dev.jshrew.host.StateRoot.digest",
                        "dev.jshrew.host.Indexer.indexBlock")));
        assertEquals(
                "flush decoding",
                BlockProfile.classify(List.of(
                        "java.util.TreeMap.put",
                        "dev.jshrew.host.abi.FlushDecoder.decode",
                        "dev.jshrew.host.abi.MetashrewAbi.flush")));
        assertEquals(
                "reset",
                BlockProfile.classify(List.of(
                        "java.lang.foreign.MemorySegment.fill",
                        "dev.jshrew.engine.chicory.ChicoryModuleInstance.reset",
                        "dev.jshrew.host.InstanceSlot.ready")));
    }

    @Test
    void theInnermostFrameSeparatesGuestCodeFromTheCrossing() {
        assertEquals(
                "guest code",
                BlockProfile.classify(List.of(
                        "io.github.kawamuray.wasmtime.Func.nativeCall",
                        "dev.jshrew.engine.wasmtime.LiveInstance.call")));
        assertEquals(
                "guest code",
                BlockProfile.classify(List.of(
                        "com.dylibso.chicory.runtime.InterpreterMachine.eval",
                        "dev.jshrew.host.InstanceSlot.runStart")));
        assertEquals(
                "host-call crossing",
                BlockProfile.classify(List.of(
                        "dev.jshrew.engine.wasmtime.HostImports.lambda$get$1",
                        "io.github.kawamuray.wasmtime.Func.nativeCall")));
        assertEquals(
                "host-call crossing",
                BlockProfile.classify(List.of(
                        "java.util.Arrays.copyOf",
                        "dev.jshrew.host.abi.MetashrewAbi.load",
                        "com.dylibso.chicory.runtime.Instance.callHostFunction")));
        assertEquals(
                "guest code",
                BlockProfile.classify(List.of(
                        "jdk.internal.misc.Unsafe.getIntUnaligned",
                        "dev.jshrew.engine.chicory.SegmentMemory.readInt",
                        "com.dylibso.chicory.$gen.CompiledMachineShaded.memoryReadInt",
                        "com.dylibso.chicory.$gen.CompiledMachineFuncGroup_0.func_66")));
        assertEquals(
                "host-call crossing",
                BlockProfile.classify(List.of(
                        "dev.jshrew.engine.chicory.SegmentMemory.byteSize",
                        "dev.jshrew.engine.toolkit.SegmentGuestMemory.read",
                        "dev.jshrew.host.abi.MetashrewAbi.get")));
        assertEquals(
                "other host work",
                BlockProfile.classify(
                        List.of("java.util.HexFormat.formatHex", "dev.jshrew.host.bitcoin.BlockHeader.hash")));
    }

    @Test
    void formatGivesSharesThatAddUp() {
        Map<String, Long> split = new LinkedHashMap<>();
        BlockProfile.CATEGORIES.forEach(c -> split.put(c, 0L));
        split.put("guest code", 3L);
        split.put("store reads", 1L);
        String text = BlockProfile.format(split);
        assertTrue(text.contains("guest code                  3   75.0%"), text);
        assertTrue(text.contains("store reads                 1   25.0%"), text);
        assertTrue(text.contains("total                       4"), text);
    }
}
