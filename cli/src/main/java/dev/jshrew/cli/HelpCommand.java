package dev.jshrew.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.IHelpCommandInitializable2;
import picocli.CommandLine.Parameters;

/**
 * {@code jshrew help [COMMAND [SUBCOMMAND…]]}: the help of any command in the tree, nested ones included
 * ({@code jshrew help devnet serve}); picocli's own {@link CommandLine.HelpCommand} looks one level down only.
 */
@Command(
        name = "help",
        helpCommand = true,
        description = "Print the help of a command (jshrew help COMMAND [SUBCOMMAND]) and exit.")
final class HelpCommand implements IHelpCommandInitializable2, Runnable {
    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "the command (and subcommands) to describe")
    List<String> path = new ArrayList<>();

    private CommandLine parent;
    private PrintWriter out;
    private PrintWriter err;
    private Help.Ansi ansi;

    @Override
    public void init(CommandLine helpCommandLine, Help.ColorScheme colorScheme, PrintWriter out, PrintWriter err) {
        this.parent = helpCommandLine.getParent();
        this.out = out;
        this.err = err;
        this.ansi = colorScheme.ansi();
    }

    @Override
    public void run() {
        CommandLine target = parent;
        for (String name : path) {
            CommandLine next = target.getSubcommands().get(name);
            if (next == null) {
                throw new CommandLine.ParameterException(
                        target, "Unknown subcommand '" + name + "' of '" + target.getCommandName() + "'");
            }
            target = next;
        }
        target.usage(out, ansi);
        err.flush();
    }
}
