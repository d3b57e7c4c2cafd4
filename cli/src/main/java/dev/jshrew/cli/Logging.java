package dev.jshrew.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** One-line log records on stderr ({@code System.Logger} is backed by java.util.logging). */
final class Logging {
    private Logging() {}

    static void configure() {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tH:%1$tM:%1$tS %4$-7s %5$s%6$s%n");
        Logger root = Logger.getLogger("");
        for (var h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler handler = new ConsoleHandler();
        handler.setFormatter(new SimpleFormatter());
        String level = System.getProperty("jshrew.log.level", "INFO");
        handler.setLevel(Level.parse(level));
        root.setLevel(Level.parse(level));
        root.addHandler(handler);
    }
}
