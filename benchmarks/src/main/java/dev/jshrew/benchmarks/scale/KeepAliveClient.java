package dev.jshrew.benchmarks.scale;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The view load's HTTP client: one keep-alive HTTP/1.1 connection to a loopback JSON-RPC server, blocking, a
 * request at a time. {@code java.net.http.HttpClient} spends about as much CPU on each small request as the node
 * spends answering it (its selector thread, futures and per-request objects); on the two cores the node shares with
 * its load, that halved the views it could answer. This client writes one prepared buffer and reads a
 * {@code Content-Length} or chunked answer, so the load measures the server. Not thread-safe: one per client thread.
 * It reconnects once when the server closed an idle connection.
 */
final class KeepAliveClient implements AutoCloseable {
    private final InetSocketAddress address;
    private final int timeoutMillis;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    /** A client of {@code http://127.0.0.1:port} (nothing is connected before the first request). */
    KeepAliveClient(int port, int timeoutMillis) {
        this.address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        this.timeoutMillis = timeoutMillis;
    }

    /** The port of a loopback URL {@code http://127.0.0.1:PORT}. */
    static int port(String url) {
        String prefix = "http://127.0.0.1:";
        if (!url.startsWith(prefix)) {
            throw new IllegalArgumentException("a loopback URL http://127.0.0.1:PORT, not " + url);
        }
        return Integer.parseInt(url.substring(prefix.length()).replace("/", ""));
    }

    /** POSTs {@code json} to {@code /} and returns the body of the answer (any HTTP status). */
    byte[] post(byte[] json) throws IOException {
        byte[] head = ("POST / HTTP/1.1\r\nHost: 127.0.0.1:" + address.getPort()
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + json.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[head.length + json.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(json, 0, request, head.length, json.length);
        boolean fresh = socket == null;
        try {
            return exchange(request);
        } catch (IOException e) {
            close();
            if (fresh) {
                throw e;
            }
            return exchange(request); // the server may close an idle keep-alive connection: one new one, once
        }
    }

    private byte[] exchange(byte[] request) throws IOException {
        connectIfNeeded();
        out.write(request);
        out.flush();
        return readAnswer();
    }

    private void connectIfNeeded() throws IOException {
        if (socket != null) {
            return;
        }
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setSoTimeout(timeoutMillis);
            s.connect(address, timeoutMillis);
            in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
            out = s.getOutputStream();
            socket = s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    private byte[] readAnswer() throws IOException {
        String status = line();
        if (!status.startsWith("HTTP/1.1 ")) {
            throw new IOException("not an HTTP/1.1 answer: " + status);
        }
        long length = -1;
        boolean chunked = false;
        boolean close = false;
        for (String header = line(); !header.isEmpty(); header = line()) {
            int colon = header.indexOf(':');
            if (colon < 0) {
                throw new IOException("malformed header: " + header);
            }
            String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = header.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" ->
                    chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "connection" -> close = value.equalsIgnoreCase("close");
                default -> {}
            }
        }
        byte[] body;
        if (chunked) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            long size;
            while ((size = Long.parseLong(chunkSize(line()), 16)) > 0) {
                all.writeBytes(exactly(size));
                line(); // the CRLF after a chunk
            }
            while (!line().isEmpty()) {} // trailers
            body = all.toByteArray();
        } else if (length >= 0) {
            body = exactly(length);
        } else {
            throw new IOException("an answer with neither Content-Length nor chunked encoding");
        }
        if (close) {
            close();
        }
        return body;
    }

    private static String chunkSize(String line) {
        int semicolon = line.indexOf(';');
        return (semicolon < 0 ? line : line.substring(0, semicolon)).trim();
    }

    private byte[] exactly(long n) throws IOException {
        if (n > Integer.MAX_VALUE) {
            throw new IOException("an answer of " + n + " bytes");
        }
        byte[] b = in.readNBytes((int) n);
        if (b.length != n) {
            throw new IOException("the connection closed after " + b.length + " of " + n + " bytes");
        }
        return b;
    }

    /** One CRLF-terminated line, without the CRLF. */
    private String line() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("the connection closed mid-answer");
            }
            if (c == '\n') {
                int end = sb.length();
                if (end > 0 && sb.charAt(end - 1) == '\r') {
                    sb.setLength(end - 1);
                }
                return sb.toString();
            }
            if (sb.length() > 8192) {
                throw new IOException("a header line longer than 8 KiB");
            }
            sb.append((char) c);
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing a loopback socket: nothing to do
            }
            socket = null;
            in = null;
            out = null;
        }
    }
}
