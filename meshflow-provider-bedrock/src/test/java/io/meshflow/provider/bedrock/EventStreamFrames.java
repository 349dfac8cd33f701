package io.meshflow.provider.bedrock;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Encodes AWS event-stream messages ({@code application/vnd.amazon.eventstream}), the binary frames in which Bedrock
 * sends ConverseStream events: a prelude (total length, headers length, both 4-byte big-endian, and the CRC32 of those 8
 * bytes), the headers (each: 1-byte name length, name, type byte 7 for a string, 2-byte value length, value), the
 * payload, and the CRC32 of everything before it.
 */
final class EventStreamFrames {
    private static final byte STRING = 7;

    private EventStreamFrames() {}

    /** An event frame ({@code :message-type event}) with a JSON payload. */
    static byte[] event(String eventType, String json) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(":event-type", eventType);
        headers.put(":content-type", "application/json");
        headers.put(":message-type", "event");
        return frame(headers, json.getBytes(StandardCharsets.UTF_8));
    }

    /** An exception frame ({@code :message-type exception}), as Bedrock sends an error in the middle of a stream. */
    static byte[] exception(String exceptionType, String json) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(":exception-type", exceptionType);
        headers.put(":content-type", "application/json");
        headers.put(":message-type", "exception");
        return frame(headers, json.getBytes(StandardCharsets.UTF_8));
    }

    /** One message with the given string headers and payload. */
    static byte[] frame(Map<String, String> headers, byte[] payload) {
        ByteArrayOutputStream encodedHeaders = new ByteArrayOutputStream();
        for (Map.Entry<String, String> header : headers.entrySet()) {
            byte[] name = header.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] value = header.getValue().getBytes(StandardCharsets.UTF_8);
            encodedHeaders.write(name.length);
            encodedHeaders.writeBytes(name);
            encodedHeaders.write(STRING);
            encodedHeaders.write((value.length >>> 8) & 0xff);
            encodedHeaders.write(value.length & 0xff);
            encodedHeaders.writeBytes(value);
        }
        byte[] headerBytes = encodedHeaders.toByteArray();
        int total = 12 + headerBytes.length + payload.length + 4;
        ByteBuffer frame = ByteBuffer.allocate(total);
        frame.putInt(total).putInt(headerBytes.length);
        frame.putInt((int) crc(frame.array(), 0, 8));
        frame.put(headerBytes).put(payload);
        frame.putInt((int) crc(frame.array(), 0, total - 4));
        return frame.array();
    }

    private static long crc(byte[] bytes, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, offset, length);
        return crc.getValue();
    }
}
