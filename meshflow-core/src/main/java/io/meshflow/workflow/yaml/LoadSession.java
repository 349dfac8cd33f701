package io.meshflow.workflow.yaml;

import io.meshflow.ValidationException;
import io.meshflow.tool.ToolServer;
import io.meshflow.workflow.WorkflowDefinition;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One call of the loader: the top file and every file it includes. Keeps the chain of files being loaded (to refuse
 * include cycles), the files already loaded (a file included twice is read once), and the names of all files so that
 * messages are recognised as already located.
 */
final class LoadSession {
    private final WorkflowLoader loader;
    private final Map<Path, String> chain = new LinkedHashMap<>();
    private final Map<Path, WorkflowDefinition> loaded = new HashMap<>();
    private final Set<Path> failed = new HashSet<>();
    private final Set<String> sources = new HashSet<>();
    private final List<ToolServer> servers = new ArrayList<>();

    /**
     * What loading produced.
     *
     * @param file the loaded file, or null when it could not be built
     * @param problems every problem found; the file is only usable when empty
     */
    record Outcome(@Nullable WorkflowFile file, List<String> problems) {}

    LoadSession(WorkflowLoader loader) {
        this.loader = loader;
    }

    WorkflowLoader loader() {
        return loader;
    }

    /** Notes a tool server opened while loading, to be closed with the file (or at once when loading fails). */
    void opened(ToolServer server) {
        servers.add(server);
    }

    /** The tool servers opened so far. */
    List<ToolServer> openedServers() {
        return List.copyOf(servers);
    }

    /** Closes every tool server opened while loading. */
    void closeServers() {
        for (ToolServer server : servers) {
            server.close();
        }
        servers.clear();
    }

    Outcome loadFile(Path file) {
        String source = file.toString();
        sources.add(source);
        Problems problems = new Problems();
        String text = read(file, source, problems);
        if (text == null) {
            return new Outcome(null, problems.list());
        }
        Path real;
        try {
            real = file.toRealPath();
        } catch (IOException e) {
            return new Outcome(null, List.of(source + ": cannot resolve the path: " + e.getMessage()));
        }
        chain.put(real, source);
        try {
            return new DefinitionReader(this, text, source, parentOf(real)).read();
        } finally {
            chain.remove(real);
        }
    }

    Outcome loadText(String yaml, String sourceName) {
        sources.add(sourceName);
        if (yaml.length() > WorkflowLoader.MAX_FILE_BYTES
                || yaml.getBytes(StandardCharsets.UTF_8).length > WorkflowLoader.MAX_FILE_BYTES) {
            return new Outcome(null, List.of(sourceName + ": " + tooLarge()));
        }
        return new DefinitionReader(this, yaml, sourceName, null).read();
    }

    /** True when a problem already starts with the name of a file of this session. */
    boolean isLocated(String problem) {
        int colon = problem.indexOf(':');
        while (colon > 0) {
            if (sources.contains(problem.substring(0, colon))) {
                return true;
            }
            colon = problem.indexOf(':', colon + 1);
        }
        return false;
    }

    /**
     * Loads a file included by another.
     *
     * @param real its real path, already checked to be inside the including file's directory
     * @param source how messages name it
     * @param includedBy where it is included ({@code file:line: node 'x'}), for messages
     * @throws ValidationException when it is part of an include cycle, cannot be read or is invalid
     */
    WorkflowDefinition include(Path real, String source, String includedBy) {
        sources.add(source);
        if (chain.containsKey(real)) {
            List<String> cycle = new ArrayList<>();
            boolean inCycle = false;
            for (Map.Entry<Path, String> entry : chain.entrySet()) {
                inCycle |= entry.getKey().equals(real);
                if (inCycle) {
                    cycle.add(entry.getValue());
                }
            }
            cycle.add(source);
            throw new ValidationException(
                    includedBy + ": include cycle: " + String.join(" -> ", cycle) + "; a file cannot include itself");
        }
        WorkflowDefinition done = loaded.get(real);
        if (done != null) {
            return done;
        }
        if (failed.contains(real)) {
            throw new ValidationException(includedBy + ": included file " + source + " is invalid (see above)");
        }
        Problems problems = new Problems();
        String text = read(real, source, problems);
        Outcome outcome;
        if (text == null) {
            outcome = new Outcome(null, problems.list());
        } else {
            chain.put(real, source);
            try {
                outcome = new DefinitionReader(this, text, source, parentOf(real)).read();
            } finally {
                chain.remove(real);
            }
        }
        WorkflowFile file = outcome.file();
        if (file == null || !outcome.problems().isEmpty()) {
            failed.add(real);
            List<String> all = new ArrayList<>();
            all.add(includedBy + ": included file " + source + " is invalid:");
            all.addAll(outcome.problems());
            throw new ValidationException(all);
        }
        loaded.put(real, file.workflow());
        return file.workflow();
    }

    private static Path parentOf(Path real) {
        Path parent = real.getParent();
        return parent != null ? parent : real.getRoot();
    }

    private static @Nullable String read(Path file, String source, Problems problems) {
        try {
            if (Files.isDirectory(file)) {
                problems.file(source, "is a directory, not a workflow file");
                return null;
            }
            long size = Files.size(file);
            if (size > WorkflowLoader.MAX_FILE_BYTES) {
                problems.file(source, tooLarge() + " (this one has " + size + " bytes)");
                return null;
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            problems.file(source, "file not found");
        } catch (CharacterCodingException e) {
            problems.file(source, "is not UTF-8 text");
        } catch (IOException e) {
            problems.file(source, "cannot be read: " + e);
        }
        return null;
    }

    private static String tooLarge() {
        return "refused: workflow files are limited to 1 MB (" + WorkflowLoader.MAX_FILE_BYTES + " bytes)";
    }
}
