package dev.jshrew.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CLI in a child JVM (the test class path), for what needs a real process: serving while the test talks to it,
 * SIGTERM, SIGKILL. Its stdout and stderr are collected line by line.
 */
final class ChildJshrew implements AutoCloseable {
    private final Process process;
    private final StringBuffer out = new StringBuffer();
    private final StringBuffer err = new StringBuffer();
    private final Thread outPump;
    private final Thread errPump;

    private ChildJshrew(Process process) {
        this.process = process;
        this.outPump = pump(process.getInputStream(), out);
        this.errPump = pump(process.getErrorStream(), err);
    }

    /** Starts {@code jshrew ARGS} with the given JVM system properties ({@code -Dk=v}). */
    static ChildJshrew start(List<String> jvmOptions, String... args) throws IOException {
        return start(java.util.Map.of(), jvmOptions, args);
    }

    /** Starts {@code jshrew ARGS} with these environment variables added to the test's environment. */
    static ChildJshrew start(java.util.Map<String, String> env, List<String> jvmOptions, String... args)
            throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(
                List.of(java, "-Xmx512m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().putAll(env);
        Process p = builder.start();
        return new ChildJshrew(p);
    }

    private static Thread pump(InputStream in, StringBuffer into) {
        return Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    into.append(line).append('\n');
                }
            } catch (IOException e) {
                // the process died
            }
        });
    }

    /**
     * Waits until stderr has a line matching {@code regex} and returns the match (group 1 if any); fails if the process
     * exits first.
     */
    String awaitErr(String regex, long seconds) throws InterruptedException {
        Pattern p = Pattern.compile(regex, Pattern.MULTILINE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            Matcher m = p.matcher(err);
            if (m.find()) {
                return m.groupCount() > 0 ? m.group(1) : m.group();
            }
            if (!process.isAlive()) {
                errPump.join(2000);
                m = p.matcher(err);
                if (m.find()) {
                    return m.groupCount() > 0 ? m.group(1) : m.group();
                }
                throw new AssertionError("jshrew exited with " + process.exitValue() + " before printing /" + regex
                        + "/; stderr:\n" + err);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("timed out waiting for /" + regex + "/; stderr:\n" + err);
    }

    /** SIGKILL, and the exit status (137). */
    int kill() throws InterruptedException {
        // Through the handle: Process.destroy* would also close our ends of its pipes and lose its last output.
        process.toHandle().destroyForcibly();
        return waitFor(30);
    }

    /** SIGTERM, and the exit status. */
    int terminate() throws InterruptedException {
        process.toHandle().destroy();
        return waitFor(60);
    }

    int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("jshrew did not exit within " + seconds + " s; stderr:\n" + err);
        }
        outPump.join(5000);
        errPump.join(5000);
        return process.exitValue();
    }

    /** The child's process id. */
    long pid() {
        return process.pid();
    }

    String out() {
        return out.toString();
    }

    String err() {
        return err.toString();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
