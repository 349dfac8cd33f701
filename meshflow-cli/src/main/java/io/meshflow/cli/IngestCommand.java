package io.meshflow.cli;

import io.meshflow.governance.Governance;
import io.meshflow.memory.EmbeddingProvider;
import io.meshflow.memory.EmbeddingProviders;
import io.meshflow.rag.Chunker;
import io.meshflow.rag.Document;
import io.meshflow.rag.DocumentStore;
import io.meshflow.rag.Documents;
import io.meshflow.rag.KnowledgeBases;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshflow ingest [--kb NAME] <files...>}: reads text, Markdown and PDF files (and such files under
 * directories), chunks and embeds them, and adds them to a named knowledge base kept beside the ledger, which
 * workflows use with {@code type: rag} and {@code knowledge_base: NAME}.
 */
@Command(
        name = "ingest",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Adds documents (.txt, .md, .pdf, or directories of them) to a named knowledge base for rag nodes.",
            "The base is kept in $" + KnowledgeBases.VARIABLE
                    + ", else .meshflow/knowledge (beside the default ledger)."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the documents were added", "2:invalid usage, a missing or unreadable file, or an empty one"})
final class IngestCommand implements Callable<Integer> {
    private final CliEnvironment environment;

    @Parameters(arity = "1..*", paramLabel = "<files>", description = "Files or directories to ingest.")
    private List<Path> files = new ArrayList<>();

    @Option(
            names = "--kb",
            paramLabel = "NAME",
            description = "The knowledge base to add to (default: default); created when missing.")
    private String name = "default";

    @Option(
            names = "--chunk-size",
            paramLabel = "CHARS",
            description = "Most characters per chunk; chunks are whole sentences (default: 512).")
    private int chunkSize = 512;

    @Option(
            names = "--data-class",
            split = ",",
            paramLabel = "CLASS",
            description = "Data classes of the documents (such as financial or pii): an agent whose identity's scope"
                    + " lacks one may not see them.")
    private List<String> dataClasses = new ArrayList<>();

    @Option(
            names = "--dir",
            paramLabel = "DIR",
            description = "Where knowledge bases are kept (overrides the default).")
    private @Nullable Path directory;

    IngestCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() {
        Path dir =
                directory != null ? directory : KnowledgeBases.directory(environment.variable(KnowledgeBases.VARIABLE));
        Path file = KnowledgeBases.file(dir, name);
        Map<String, String> labels = dataClasses.isEmpty() ? Map.of() : Governance.dataClassLabel(dataClasses);
        List<Document> documents = Documents.read(files);
        EmbeddingProvider embeddings = EmbeddingProviders.defaultProvider();
        DocumentStore existing = DocumentStore.open(file, embeddings);
        DocumentStore store = DocumentStore.create(embeddings, existing.index(), Chunker.sentenceBoundary(chunkSize));
        int chunks = 0;
        // document by document, so that a terminal shows a progress bar (embedding is the slow part)
        try (Progress progress = Progress.start(environment, "ingesting", documents.size())) {
            for (Document document : documents) {
                chunks += store.ingest(List.of(document), labels);
                progress.advance(1);
            }
        }
        store.save(file);
        PrintStream out = environment.out();
        out.println("ingested " + documents.size() + (documents.size() == 1 ? " document" : " documents") + " ("
                + chunks + " chunks) into knowledge base '" + name + "' at " + file + " with "
                + embeddings.modelName() + "; it holds " + store.index().size() + " chunks");
        out.flush();
        return ExitCode.COMPLETED.code();
    }
}
