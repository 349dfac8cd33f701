package io.meshflow.rag;

import io.meshflow.MeshFlowException;
import io.meshflow.ValidationException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;

/**
 * Reads files into {@link Document}s: PDF (Apache PDFBox, text layer only), Markdown (markup removed) and plain
 * text (UTF-8). The file's type is told by its extension: {@code .pdf}, {@code .md}/{@code .markdown}, anything else
 * is text.
 */
public final class Documents {
    private Documents() {}

    /**
     * Reads one file; its source is the path as given.
     *
     * @throws ValidationException when the file is missing, empty, not valid UTF-8 text, or not a readable PDF
     * @throws MeshFlowException when it cannot be read
     */
    public static Document read(Path file) {
        String name = file.getFileName() == null
                ? file.toString()
                : file.getFileName().toString();
        String lower = name.toLowerCase(Locale.ROOT);
        String type = lower.endsWith(".pdf")
                ? "pdf"
                : lower.endsWith(".md") || lower.endsWith(".markdown") ? "markdown" : "text";
        try {
            if (!Files.isRegularFile(file)) {
                throw new ValidationException("cannot ingest " + file + ": no such file");
            }
            if (Files.size(file) == 0) {
                throw new ValidationException("cannot ingest " + file + ": the file is empty (0 bytes)"
                        + (type.equals("pdf") ? ", so it is not a PDF" : ""));
            }
            String text = switch (type) {
                case "pdf" -> pdfText(file);
                case "markdown" -> markdownText(utf8(file));
                default -> utf8(file);
            };
            return new Document(file.toString(), text, Map.of("type", type));
        } catch (IOException e) {
            throw new MeshFlowException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads files, and every {@code .txt}, {@code .md}, {@code .markdown} and {@code .pdf} file under directories
     * (in path order).
     *
     * @throws ValidationException when a path is missing or a file cannot be ingested
     */
    public static List<Document> read(List<Path> paths) {
        List<Document> docs = new ArrayList<>();
        for (Path path : paths) {
            if (Files.isDirectory(path)) {
                try (Stream<Path> files = Files.walk(path)) {
                    for (Path file : files.filter(Files::isRegularFile)
                            .filter(Documents::isDocument)
                            .sorted()
                            .toList()) {
                        docs.add(read(file));
                    }
                } catch (IOException e) {
                    throw new MeshFlowException("cannot list " + path + ": " + e.getMessage(), e);
                }
            } else {
                docs.add(read(path));
            }
        }
        return docs;
    }

    private static boolean isDocument(Path file) {
        String name = String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT);
        return name.endsWith(".txt") || name.endsWith(".md") || name.endsWith(".markdown") || name.endsWith(".pdf");
    }

    private static String utf8(Path file) throws IOException {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ValidationException("cannot ingest " + file + ": it is not UTF-8 text");
        }
    }

    private static String pdfText(Path file) {
        try (PDDocument pdf = Loader.loadPDF(file.toFile())) {
            return new PDFTextStripper().getText(pdf);
        } catch (IOException e) {
            throw new ValidationException("cannot ingest " + file + ": not a readable PDF (" + e.getMessage() + ")");
        }
    }

    /** Markdown reduced to its words: no heading marks, emphasis, link targets, images, fences or HTML tags. */
    static String markdownText(String markdown) {
        return markdown.replaceAll("(?m)^```.*$", "")
                .replaceAll("!\\[([^\\]]*)]\\([^)]*\\)", "$1")
                .replaceAll("\\[([^\\]]+)]\\([^)]*\\)", "$1")
                .replaceAll("(?m)^\\s{0,3}#{1,6}\\s*", "")
                .replaceAll("(?m)^\\s{0,3}>\\s?", "")
                .replaceAll("(\\*\\*|__|\\*|`)", "")
                .replaceAll("<[^>]+>", "");
    }
}
