package io.meshflow.rag;

import io.meshflow.ValidationException;
import io.meshflow.agent.Agent;
import io.meshflow.governance.Governance;
import io.meshflow.memory.EmbeddingProviders;
import io.meshflow.memory.KnowledgeBase;
import io.meshflow.memory.RetrievedChunk;
import io.meshflow.workflow.Node;
import io.meshflow.workflow.NodeContext;
import io.meshflow.workflow.NodeFactoryContext;
import io.meshflow.workflow.NodeSpec;
import io.meshflow.workflow.NodeType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The {@code rag} node type of workflow files:
 *
 * <pre>{@code
 * - id: answer
 *   type: rag
 *   agent: support            # an agent declared under agents:
 *   sources: [docs/]          # files or directories, relative to the workflow file (.txt, .md, .pdf)
 *   knowledge_base: handbook  # or/and one registered with Mesh.builder().knowledgeBase("handbook", ..),
 *                             # else one built with `meshflow ingest --kb handbook`
 *   top_k: 4                  # chunks put into the prompt (default 4)
 *   chunk_size: 512           # most characters per chunk, whole sentences (default 512)
 *   data_class: financial     # data classes of the sources (one or a list): an agent whose identity's scope lacks
 *                             # one may not see them
 * }</pre>
 *
 * <p>The documents are read and embedded (with {@link EmbeddingProviders#defaultProvider()}) on the node's first
 * step, not when the file is loaded. Registered with {@link java.util.ServiceLoader}.
 */
public final class RagNodeType implements NodeType {
    private static final Set<String> KEYS =
            Set.of("agent", "sources", "knowledge_base", "top_k", "chunk_size", Governance.DATA_CLASS_KEY);

    /** Creates the type; {@link java.util.ServiceLoader} needs a public no-argument constructor. */
    public RagNodeType() {}

    /** Returns {@code rag}. */
    @Override
    public String name() {
        return "rag";
    }

    /**
     * Creates a {@link RagNode}.
     *
     * @throws ValidationException when a key is unknown, the agent is missing, no source or knowledge base is given,
     *     or a source does not exist
     */
    @Override
    public Node create(NodeSpec spec, NodeFactoryContext context) {
        String where = spec.location() + ": node '" + spec.id() + "'";
        Map<String, Object> settings = spec.settings();
        List<String> problems = new ArrayList<>();
        for (String key : settings.keySet()) {
            if (!KEYS.contains(key)) {
                problems.add(where + ": unknown key '" + key + "' for type rag; allowed keys: agent, sources,"
                        + " knowledge_base, top_k, chunk_size, data_class");
            }
        }
        Object agentId = settings.get("agent");
        Agent agent = null;
        if (!(agentId instanceof String id)) {
            problems.add(where + ": missing required key 'agent' (the id of an agent declared under agents:)");
        } else {
            agent = context.agent(id).orElse(null);
            if (agent == null) {
                problems.add(where + ": unknown agent '" + id + "'");
            }
        }
        List<Path> sources = new ArrayList<>();
        Object given = settings.get("sources");
        List<?> items = given instanceof List<?> list ? list : given == null ? List.of() : List.of(given);
        for (Object item : items) {
            if (!(item instanceof String path) || path.isBlank()) {
                problems.add(where + ": sources must be paths, got " + item);
                continue;
            }
            Path base = context.directory().orElse(Path.of(""));
            Path resolved = base.resolve(path).normalize();
            if (!Files.exists(resolved)) {
                problems.add(where + ": source '" + path + "' does not exist (looked at " + resolved + ")");
            }
            sources.add(resolved);
        }
        Object kbName = settings.get("knowledge_base");
        Path kbFile = null;
        if (kbName != null) {
            try {
                kbFile = KnowledgeBases.file(KnowledgeBases.defaultDirectory(), String.valueOf(kbName));
            } catch (ValidationException e) {
                problems.add(where + ": " + e.getMessage());
            }
        }
        if (given == null && kbName == null) {
            problems.add(where + ": give sources: (files or directories) or knowledge_base: (a name used with"
                    + " meshflow ingest --kb)");
        }
        Map<String, String> labels = dataClasses(settings.get(Governance.DATA_CLASS_KEY), where, problems);
        int topK = positive(settings, "top_k", 4, where, problems);
        int chunkSize = positive(settings, "chunk_size", 512, where, problems);
        if (!problems.isEmpty() || agent == null) {
            throw new ValidationException(problems);
        }
        Lazy files = new Lazy(List.copyOf(sources), kbFile, chunkSize, labels);
        Lazy sourcesOnly = new Lazy(List.copyOf(sources), null, chunkSize, labels);
        String registered = kbName == null ? null : String.valueOf(kbName);
        return new RagNode(spec.id(), agent, step -> knowledgeBase(step, registered, files, sourcesOnly), topK);
    }

    /** The mesh's knowledge base of that name (with the node's own sources, if any), else the files. */
    private static KnowledgeBase knowledgeBase(
            NodeContext context, @Nullable String name, Lazy files, Lazy sourcesOnly) {
        KnowledgeBase mesh = name == null ? null : context.knowledgeBase(name).orElse(null);
        if (mesh == null) {
            return files.get();
        }
        if (!files.hasSources()) {
            return mesh;
        }
        DocumentStore own = sourcesOnly.get();
        return (query, topK) -> {
            List<RetrievedChunk> all = new ArrayList<>(mesh.retrieve(query, topK));
            all.addAll(own.retrieve(query, topK));
            all.sort(Comparator.comparingDouble(RetrievedChunk::score).reversed());
            return List.copyOf(all.subList(0, Math.min(topK, all.size())));
        };
    }

    /** The metadata that labels the node's sources with their data classes: none, one name, or a list of names. */
    private static Map<String, String> dataClasses(@Nullable Object value, String where, List<String> problems) {
        if (value == null) {
            return Map.of();
        }
        List<?> items = value instanceof List<?> list ? list : List.of(value);
        List<String> names = new ArrayList<>();
        for (Object item : items) {
            if (!(item instanceof String name)) {
                problems.add(where + ": data_class must be a data class name or a list of them, got " + item);
                return Map.of();
            }
            names.add(name);
        }
        try {
            return Governance.dataClassLabel(names);
        } catch (ValidationException e) {
            problems.add(where + ": " + e.getMessage());
            return Map.of();
        }
    }

    private static int positive(
            Map<String, Object> settings, String key, int otherwise, String where, List<String> problems) {
        Object value = settings.get(key);
        if (value == null) {
            return otherwise;
        }
        if (value instanceof Number n && n.intValue() >= 1 && n.doubleValue() == n.intValue()) {
            return n.intValue();
        }
        problems.add(where + ": " + key + " must be a whole number >= 1, got " + value);
        return otherwise;
    }

    /** Reads, chunks and embeds the documents once, on the first step that needs them. */
    private static final class Lazy implements Supplier<DocumentStore> {
        private final List<Path> sources;
        private final @Nullable Path knowledgeBase;
        private final int chunkSize;
        private final Map<String, String> labels;
        private volatile @Nullable DocumentStore store;

        Lazy(List<Path> sources, @Nullable Path knowledgeBase, int chunkSize, Map<String, String> labels) {
            this.sources = sources;
            this.knowledgeBase = knowledgeBase;
            this.chunkSize = chunkSize;
            this.labels = labels;
        }

        boolean hasSources() {
            return !sources.isEmpty();
        }

        @Override
        public DocumentStore get() {
            DocumentStore s = store;
            if (s == null) {
                synchronized (this) {
                    s = store;
                    if (s == null) {
                        s = build();
                        store = s;
                    }
                }
            }
            return s;
        }

        private DocumentStore build() {
            var embeddings = EmbeddingProviders.defaultProvider();
            Path kb = knowledgeBase;
            DocumentStore s;
            if (kb != null) {
                if (!Files.exists(kb)) {
                    throw new ValidationException("knowledge base " + kb + " does not exist; build it with"
                            + " meshflow ingest --kb <name> <files...>");
                }
                s = DocumentStore.open(kb, embeddings);
            } else {
                s = DocumentStore.create(
                        embeddings,
                        new io.meshflow.memory.InMemoryVectorIndex(embeddings.dimension(), "rag sources"),
                        Chunker.sentenceBoundary(chunkSize));
            }
            if (!sources.isEmpty()) {
                s.ingest(Documents.read(sources), labels);
            }
            return s;
        }
    }
}
