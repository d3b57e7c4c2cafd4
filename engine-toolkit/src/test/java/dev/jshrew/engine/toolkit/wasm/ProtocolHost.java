package dev.jshrew.engine.toolkit.wasm;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.InterpreterMachine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ObjIntConsumer;

/**
 * An instance of a rewritten module on Chicory's interpreter whose host follows the fast-call protocol in Java: the
 * module's own imports, then the grow hook (which does nothing), then one {@code jshrew.fast:F} per fast call, each
 * handing guest memory and {@code F} to one callback.
 */
final class ProtocolHost {
    private ProtocolHost() {}

    static Instance instance(
            byte[] rewritten, List<ImportFunction> own, List<Integer> fastCalls, ObjIntConsumer<Memory> fastCall) {
        return instance(rewritten, own, fastCalls, fastCall, List.of());
    }

    /** @param after imports the rewrite adds after the fast calls' (the key filter's) */
    static Instance instance(
            byte[] rewritten,
            List<ImportFunction> own,
            List<Integer> fastCalls,
            ObjIntConsumer<Memory> fastCall,
            List<ImportFunction> after) {
        List<ImportFunction> fns = new ArrayList<>(own);
        fns.add(new HostFunction(
                ResettableModule.HOOK_MODULE,
                ResettableModule.GROW_HOOK,
                FunctionType.of(List.of(ValType.I32, ValType.I32), List.of()),
                (inst, args) -> null));
        for (int f : fastCalls.stream().sorted().toList()) {
            fns.add(new HostFunction(
                    ResettableModule.FAST_CALL_MODULE,
                    ResettableModule.FAST_CALL_PREFIX + f,
                    FunctionType.of(List.of(), List.of()),
                    (inst, args) -> {
                        fastCall.accept(inst.memory(), f);
                        return null;
                    }));
        }
        fns.addAll(after);
        return Instance.builder(GuestRunner.parse(rewritten))
                .withImportValues(ImportValues.builder().withFunctions(fns).build())
                .withMachineFactory(InterpreterMachine::new)
                .withMemoryFactory(ByteArrayMemory::new)
                .build();
    }
}
