package dev.jshrew.benchmarks.scale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The view load's HTTP client against the JDK's HTTP server on 127.0.0.1: bodies, chunks, reuse, closes. */
class KeepAliveClientTest {
    private HttpServer server;
    private final AtomicInteger connections = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newSingleThreadExecutor());
        // Echoes the request body reversed: a fixed length, or chunked when the body says so.
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            byte[] answer = reversed(body);
            String text = new String(body, StandardCharsets.UTF_8);
            if (text.contains("close")) {
                exchange.getResponseHeaders().add("Connection", "close");
            }
            exchange.sendResponseHeaders(200, text.contains("chunked") ? 0 : answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static byte[] reversed(byte[] b) {
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = b[b.length - 1 - i];
        }
        return r;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void answersWithALengthOrInChunksOnOneConnection() throws IOException {
        int port = server.getAddress().getPort();
        try (KeepAliveClient client = new KeepAliveClient(port, 5_000)) {
            for (int i = 0; i < 50; i++) {
                String body = (i % 2 == 0 ? "plain-" : "chunked-") + i + "-" + "x".repeat(i * 97);
                assertArrayEquals(reversed(utf8(body)), client.post(utf8(body)), "request " + i);
            }
        }
    }

    @Test
    void reconnectsOnceWhenTheServerClosedTheConnection() throws IOException {
        int port = server.getAddress().getPort();
        try (KeepAliveClient client = new KeepAliveClient(port, 5_000)) {
            assertArrayEquals(reversed(utf8("close me")), client.post(utf8("close me")));
            assertArrayEquals(reversed(utf8("and again")), client.post(utf8("and again")));
        }
    }

    @Test
    void aServerThatIsNotThereIsAnIoError() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (KeepAliveClient client = new KeepAliveClient(port, 2_000)) {
            assertThrows(IOException.class, () -> client.post(utf8("{}")));
        }
    }

    @Test
    void anAnswerThatIsNotHttpIsAnIoError() throws Exception {
        Thread t;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            t = Thread.ofPlatform().daemon().start(() -> {
                for (int i = 0; i < 2; i++) { // the client tries once more on a new connection
                    try (Socket c = s.accept()) {
                        c.getInputStream().read(new byte[4096]);
                        c.getOutputStream().write(utf8("SSH-2.0-not-http\r\n\r\n"));
                        connections.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            try (KeepAliveClient client = new KeepAliveClient(s.getLocalPort(), 2_000)) {
                IOException e = assertThrows(IOException.class, () -> client.post(utf8("{}")));
                assertEquals("not an HTTP/1.1 answer: SSH-2.0-not-http", e.getMessage());
            }
        }
        t.join(5_000); // its second accept fails once the socket is closed
        assertEquals(1, connections.get(), "a first request on a new connection is not retried");
    }
}
