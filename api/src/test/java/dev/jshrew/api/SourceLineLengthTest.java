package dev.jshrew.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java source line of the repository is at most {@value #LIMIT} characters. The formatter (Spotless with
 * palantir-java-format, {@code ./mvnw spotless:apply}) keeps code within it; this holds comments and string literals,
 * which it does not wrap, to the same limit.
 */
class SourceLineLengthTest {
    static final int LIMIT = 120;

    @Test
    void noJavaLineIsLongerThanTheLimit() throws IOException {
        Path repo = Path.of(System.getProperty("jshrew.repo.dir", ".."))
                .toAbsolutePath()
                .normalize();
        assertThat(repo.resolve("pom.xml")).as("the repository root").exists();
        List<String> tooLong = new ArrayList<>();
        int files;
        try (Stream<Path> walk = Files.walk(repo)) {
            List<Path> sources = walk.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !repo.relativize(p).toString().contains("target/"))
                    .filter(p -> !repo.relativize(p).startsWith(".git"))
                    .toList();
            files = sources.size();
            for (Path source : sources) {
                List<String> lines = Files.readAllLines(source, StandardCharsets.UTF_8);
                for (int i = 0; i < lines.size(); i++) {
                    if (lines.get(i).length() > LIMIT) {
                        tooLong.add(repo.relativize(source) + ":" + (i + 1) + " ("
                                + lines.get(i).length() + ")");
                    }
                }
            }
        }
        assertThat(files).as("Java sources found under " + repo).isGreaterThan(100);
        assertThat(tooLong).as("lines over " + LIMIT + " characters").isEmpty();
    }
}
