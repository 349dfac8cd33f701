package io.meshflow.rag;

import io.meshflow.ValidationException;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Where named knowledge bases (built with {@code meshflow ingest --kb <name>}) are kept: the directory
 * {@code $MESHFLOW_KNOWLEDGE_DIR}, else {@code .meshflow/knowledge} beside the default ledger, one
 * {@code <name>.kb} file (plus {@code <name>.kb.properties}) per base.
 */
public final class KnowledgeBases {
    /** The environment variable naming the directory. */
    public static final String VARIABLE = "MESHFLOW_KNOWLEDGE_DIR";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private KnowledgeBases() {}

    /** The directory given by {@value #VARIABLE}, else {@code .meshflow/knowledge}. */
    public static Path defaultDirectory() {
        return directory(System.getenv(VARIABLE));
    }

    /** {@code configured} when set, else {@code .meshflow/knowledge}. */
    public static Path directory(@Nullable String configured) {
        return configured == null || configured.isBlank() ? Path.of(".meshflow", "knowledge") : Path.of(configured);
    }

    /**
     * The file of a named knowledge base in a directory.
     *
     * @throws ValidationException when the name is not 1-64 letters, digits, {@code _}, {@code .} or {@code -}
     */
    public static Path file(Path directory, String name) {
        if (!NAME.matcher(name).matches() || name.startsWith(".")) {
            throw new ValidationException(
                    "knowledge base name '" + name + "' must be 1-64 letters, digits, '_', '.' or '-'");
        }
        return directory.resolve(name + ".kb");
    }
}
