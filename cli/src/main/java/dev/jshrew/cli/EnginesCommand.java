package dev.jshrew.cli;

import dev.jshrew.host.EngineRegistry;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "engines", description = "List the WebAssembly engines found (name, implementation, version).")
final class EnginesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        for (var p : EngineRegistry.load().providers()) {
            System.out.println(p.name() + "\t" + p.info().implementation() + "\t"
                    + p.info().version());
        }
        return 0;
    }
}
