package dev.jshrew.host.abi;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes a {@code __flush} payload: protobuf {@code message KeyValueFlush { repeated bytes list = 1; }}
 * (METASHREW-ABI §2). Field 1 must be length-delimited: any other wire type for field 1 is a decode error
 * (C-24), as in the original's prost decoder. Unknown fields are skipped (C-23). Items alternate key, value;
 * an odd last item is ignored (C-22). Empty items are valid (C-28).
 */
public final class FlushDecoder {
    private FlushDecoder() {}

    /** A key/value pair from a flush. */
    public record Pair(byte[] key, byte[] value) {}

    /**
     * @throws MalformedFlushException when the bytes are not a valid {@code KeyValueFlush}
     */
    public static List<Pair> decode(byte[] payload) {
        List<byte[]> items = new ArrayList<>();
        CodedInputStream in = CodedInputStream.newInstance(payload);
        try {
            while (true) {
                int tag = in.readTag();
                if (tag == 0) {
                    break;
                }
                int field = WireFormat.getTagFieldNumber(tag);
                int wireType = WireFormat.getTagWireType(tag);
                if (field == 1) {
                    if (wireType != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        throw new MalformedFlushException("field 1 has wire type " + wireType + ", expected 2 (bytes)");
                    }
                    items.add(in.readByteArray());
                } else if (!in.skipField(tag)) {
                    throw new MalformedFlushException("unexpected end-group tag for field " + field);
                }
            }
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new MalformedFlushException(e.getMessage());
        } catch (IOException e) {
            throw new MalformedFlushException(e.toString());
        }
        List<Pair> pairs = new ArrayList<>(items.size() / 2);
        for (int i = 0; i + 1 < items.size(); i += 2) {
            pairs.add(new Pair(items.get(i), items.get(i + 1)));
        }
        return pairs;
    }

    /** Encodes pairs the way guests do (for tests and tools). */
    public static byte[] encode(List<Pair> pairs) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        com.google.protobuf.CodedOutputStream out = com.google.protobuf.CodedOutputStream.newInstance(bytes);
        try {
            for (Pair p : pairs) {
                out.writeByteArray(1, p.key());
                out.writeByteArray(1, p.value());
            }
            out.flush();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    /** The flush payload could not be decoded. */
    public static final class MalformedFlushException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedFlushException(String message) {
            super(message);
        }
    }
}
