package dev.jshrew.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jshrew.node.rpc.ServedPaths;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine;

/**
 * {@code deploy/kubernetes}: every jshrew container's arguments parse on the real command tree ({@link
 * Main#commandLine}, so every flag exists on the command it is passed to and has a valid value), every containerPort
 * of a jshrew container is one of its port flags (and every port flag is exposed), every probe and scrape path is one
 * the node serves ({@link ServedPaths}), and every probe port and Service targetPort names a container port.
 */
class ManifestsTest {
    private static final Set<String> PORT_FLAGS = Set.of("--port", "--metrics-port");

    record Container(String file, String name, List<String> args, Map<String, Integer> ports, List<Map<?, ?>> probes) {}

    @Test
    void everyFlagPortAndProbePathOfTheManifestsExistsOnTheCli() throws IOException {
        List<Map<?, ?>> documents = documents();
        List<Container> containers = jshrewContainers(documents);
        assertThat(containers)
                .as("the primary and the view replicas")
                .extracting(Container::file)
                .contains("primary.yaml", "replicas.yaml");
        assertThat(containers)
                .as("snapshots on the primary, --repo on the replicas")
                .anySatisfy(c -> assertThat(c.args()).contains("--snapshot-directory", "--snapshot-interval"))
                .anySatisfy(c -> assertThat(c.args()).contains("--repo"));
        Set<String> portNames = new HashSet<>();
        for (Container c : containers) {
            List<String> ports = checkArgs(c.args());
            assertThat(c.ports().values().stream().map(String::valueOf).toList())
                    .as(c.file() + " " + c.name() + ": containerPorts are the port flags' values")
                    .containsExactlyInAnyOrderElementsOf(ports);
            portNames.addAll(c.ports().keySet());
            assertThat(c.probes())
                    .as(c.file() + ": liveness and readiness probes")
                    .hasSizeGreaterThanOrEqualTo(2);
            for (Map<?, ?> probe : c.probes()) {
                Map<?, ?> get = (Map<?, ?>) probe.get("httpGet");
                String portName = String.valueOf(get.get("port"));
                assertThat(c.ports()).as(c.file() + " probe port").containsKey(portName);
                String flag = portFlag(c.args(), c.ports().get(portName));
                List<String> served = "--metrics-port".equals(flag) ? ServedPaths.METRICS_PORT : ServedPaths.RPC_PORT;
                assertThat(served)
                        .as(c.file() + " probe path " + get.get("path") + " on the " + flag + " port")
                        .contains((String) get.get("path"));
            }
        }
        int services = 0;
        for (Map<?, ?> doc : documents) {
            if ("Service".equals(doc.get("kind"))) {
                services++;
                for (Object port : (List<?>) ((Map<?, ?>) doc.get("spec")).get("ports")) {
                    assertThat(portNames)
                            .as("Service targetPort")
                            .contains(String.valueOf(((Map<?, ?>) port).get("targetPort")));
                }
            }
        }
        assertThat(services).isGreaterThanOrEqualTo(2);
        List<String> scrapePaths = new ArrayList<>();
        for (Map<?, ?> doc : documents) {
            if ("ConfigMap".equals(doc.get("kind"))) {
                for (Object text : ((Map<?, ?>) doc.get("data")).values()) {
                    Map<?, ?> prometheus = yaml().load((String) text);
                    for (Object job : (List<?>) prometheus.get("scrape_configs")) {
                        scrapePaths.add((String) ((Map<?, ?>) job).get("metrics_path"));
                    }
                }
            }
        }
        assertThat(scrapePaths).isNotEmpty().allMatch(ServedPaths.ALL::contains);
    }

    @Test
    void aFlagTheCliLacksOrABadValueIsCaught() {
        assertThatThrownBy(() -> checkArgs(List.of("serve", "--indexer", "a.wasm", "--db", "d", "--no-such-flag")))
                .hasMessageContaining("--no-such-flag");
        assertThatThrownBy(() -> checkArgs(List.of("serve", "--indexer", "a.wasm", "--db", "d", "--port", "http")))
                .isInstanceOf(CommandLine.ParameterException.class);
        assertThatThrownBy(() -> checkArgs(List.of("info", "--db", "d", "--port", "8080")))
                .hasMessageContaining("--port");
    }

    /** Which port flag of {@code args} has the value {@code port}. */
    private static String portFlag(List<String> args, int port) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String flag = a.startsWith("--") ? a.split("=", 2)[0] : null;
            if (flag != null && PORT_FLAGS.contains(flag)) {
                String value = a.contains("=") ? a.split("=", 2)[1] : args.get(i + 1);
                if (value.equals(String.valueOf(port))) {
                    return flag;
                }
            }
        }
        throw new AssertionError("no port flag has the value " + port + " in " + args);
    }

    /**
     * Parses {@code args} ({@code COMMAND FLAGS…}) on the real command tree, without running it, and returns the
     * values of its port flags.
     */
    private static List<String> checkArgs(List<String> args) {
        CommandLine cli = Main.commandLine(CliDefaults.load(new String[0], Map.of()));
        CommandLine command = cli.getSubcommands().get(args.getFirst());
        assertThat(command).as("command " + args.getFirst()).isNotNull();
        List<String> kept = new ArrayList<>();
        List<String> ports = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String flag = a.startsWith("--") ? a.split("=", 2)[0] : null;
            if (flag != null && PORT_FLAGS.contains(flag)) {
                ports.add(a.contains("=") ? a.split("=", 2)[1] : args.get(i + 1));
            }
            kept.add(a);
        }
        cli.parseArgs(kept.toArray(String[]::new));
        return ports;
    }

    private static List<Container> jshrewContainers(List<Map<?, ?>> documents) {
        List<Container> found = new ArrayList<>();
        for (Map<?, ?> doc : documents) {
            Object kind = doc.get("kind");
            if (!"StatefulSet".equals(kind) && !"Deployment".equals(kind)) {
                continue;
            }
            Map<?, ?> pod = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) doc.get("spec")).get("template")).get("spec");
            for (String key : List.of("initContainers", "containers")) {
                for (Object o : list(pod.get(key))) {
                    Map<?, ?> c = (Map<?, ?>) o;
                    if (!String.valueOf(c.get("image")).contains("jshrew")) {
                        continue;
                    }
                    Map<String, Integer> ports = new java.util.LinkedHashMap<>();
                    for (Object p : list(c.get("ports"))) {
                        Map<?, ?> port = (Map<?, ?>) p;
                        ports.put((String) port.get("name"), (Integer) port.get("containerPort"));
                    }
                    List<Map<?, ?>> probes = new ArrayList<>();
                    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                        if (c.get(probe) != null) {
                            probes.add((Map<?, ?>) c.get(probe));
                        }
                    }
                    List<String> args = ((List<?>) c.get("args"))
                            .stream().map(String::valueOf).toList();
                    found.add(new Container((String) doc.get("file"), (String) c.get("name"), args, ports, probes));
                }
            }
        }
        return found;
    }

    private static List<?> list(Object o) {
        return o == null ? List.of() : (List<?>) o;
    }

    /** Every document of every YAML file in deploy/kubernetes, each with its file name under "file". */
    private static List<Map<?, ?>> documents() throws IOException {
        Path dir = CliTest.repo().resolve("deploy/kubernetes");
        List<Map<?, ?>> documents = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file :
                    files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (Reader r = Files.newBufferedReader(file)) {
                    for (Object doc : yaml().loadAll(r)) {
                        if (doc != null) {
                            Map<Object, Object> withFile = new java.util.LinkedHashMap<>((Map<?, ?>) doc);
                            withFile.put("file", file.getFileName().toString());
                            documents.add(withFile);
                        }
                    }
                }
            }
        }
        assertThat(documents).isNotEmpty();
        return documents;
    }

    private static Yaml yaml() {
        return new Yaml(new SafeConstructor(new LoaderOptions()));
    }
}
