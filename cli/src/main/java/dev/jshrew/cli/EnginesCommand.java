package dev.jshrew.cli;

import dev.jshrew.host.EngineRegistry;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(
        name = "engines",
        description = "List the WebAssembly engines found (name, implementation, version; a fourth column says why"
                + " an engine cannot run here).")
final class EnginesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        for (var p : EngineRegistry.load().providers()) {
            // an engine found but unable to run here says why, in a fourth column
            String unavailable = p.name().equals("graalwasm")
                    ? GraalLauncher.unavailableReason().map(r -> "\t" + r).orElse("")
                    : "";
            System.out.println(p.name() + "\t" + p.info().implementation() + "\t"
                    + p.info().version() + unavailable);
        }
        return 0;
    }
}
