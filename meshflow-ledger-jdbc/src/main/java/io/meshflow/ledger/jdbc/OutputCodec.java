package io.meshflow.ledger.jdbc;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * How {@code output_content} is stored. Outputs whose UTF-8 form is larger than {@link #THRESHOLD_BYTES} are
 * gzip-compressed and kept as the Base64 text of the gzip bytes, with {@code output_compressed} set; smaller ones are
 * kept as plain text. Keeping the column text on both back ends lets auditors read ordinary outputs with plain SQL
 * and needs no column type change between schema versions.
 */
final class OutputCodec {
    /** Outputs larger than this many UTF-8 bytes are compressed. */
    static final int THRESHOLD_BYTES = 10 * 1024;

    private OutputCodec() {}

    /** The stored form of an output. */
    record Stored(String content, boolean compressed) {}

    static Stored encode(String output) {
        byte[] utf8 = output.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= THRESHOLD_BYTES) {
            return new Stored(output, false);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(utf8.length / 4 + 64);
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(utf8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Stored(Base64.getEncoder().encodeToString(bytes.toByteArray()), true);
    }

    /**
     * The UTF-8 bytes of the output from its stored form, also given as UTF-8 bytes (verification hashes these
     * without building strings).
     *
     * @throws IOException when a compressed value is not valid Base64 gzip (it was damaged or changed)
     */
    static byte[] decodeUtf8(byte[] content, boolean compressed) throws IOException {
        if (!compressed) {
            return content;
        }
        byte[] gz;
        try {
            gz = Base64.getDecoder().decode(content);
        } catch (IllegalArgumentException e) {
            throw new IOException("compressed output is not valid Base64: " + e.getMessage(), e);
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    /**
     * The output from its stored form.
     *
     * @throws IOException when a compressed value is not valid Base64 gzip (it was damaged or changed)
     */
    static String decode(String content, boolean compressed) throws IOException {
        if (!compressed) {
            return content;
        }
        byte[] gz;
        try {
            gz = Base64.getDecoder().decode(content);
        } catch (IllegalArgumentException e) {
            throw new IOException("compressed output is not valid Base64: " + e.getMessage(), e);
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
