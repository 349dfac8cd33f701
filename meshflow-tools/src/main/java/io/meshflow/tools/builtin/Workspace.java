package io.meshflow.tools.builtin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The directory the file tools (and the shell) are confined to. Paths from the model are relative to it; absolute
 * paths and {@code ..} are refused, and real paths are checked so that a symbolic link cannot lead outside.
 */
final class Workspace {
    private final Path root;

    Workspace(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    Path root() {
        return root;
    }

    /** The workspace's real path, created when missing. */
    Path realRoot() throws Refusal {
        try {
            Files.createDirectories(root);
            return root.toRealPath();
        } catch (IOException e) {
            throw new Refusal("the workspace " + root + " cannot be used: " + e.getMessage());
        }
    }

    /**
     * A path given by the model, inside the workspace; not resolved through links.
     *
     * @throws Refusal when it is empty, absolute, or uses {@code ..}
     */
    Path lexical(String given) throws Refusal {
        if (given.isBlank()) {
            throw new Refusal("the path is empty; give a path relative to the workspace, such as notes/todo.txt");
        }
        if (given.startsWith("/") || given.startsWith("\\") || given.startsWith("~") || given.matches("^[A-Za-z]:.*")) {
            throw new Refusal("refused: '" + given + "' is an absolute path; file tools only work inside the workspace"
                    + " (" + BuiltinTools.WORKSPACE_VARIABLE + "), so give a path relative to it");
        }
        Path relative;
        try {
            relative = Path.of(given);
        } catch (InvalidPathException e) {
            throw new Refusal("'" + given + "' is not a valid path: " + e.getReason());
        }
        if (relative.isAbsolute()) {
            throw new Refusal("refused: '" + given + "' is an absolute path; give a path relative to the workspace");
        }
        for (Path part : relative) {
            if (part.toString().equals("..")) {
                throw new Refusal("refused: '" + given + "' uses '..'; file tools cannot leave the workspace ("
                        + BuiltinTools.WORKSPACE_VARIABLE + ")");
            }
        }
        Path real = realRoot();
        Path resolved = real.resolve(relative).normalize();
        if (!resolved.startsWith(real)) {
            throw new Refusal("refused: '" + given + "' is outside the workspace");
        }
        return resolved;
    }

    /**
     * An existing file to read: its real path must be inside the workspace.
     *
     * @throws Refusal as {@link #lexical}, when it does not exist, or when a link leads outside
     */
    Path existing(String given) throws Refusal {
        Path path = lexical(given);
        Path real;
        try {
            real = path.toRealPath();
        } catch (IOException e) {
            throw new Refusal("file not found: '" + given + "' (paths are relative to the workspace)");
        }
        if (!real.startsWith(realRoot())) {
            throw new Refusal("refused: '" + given + "' leads outside the workspace through a symbolic link");
        }
        return real;
    }

    /**
     * A file to write: its nearest existing ancestor's real path must be inside the workspace, and it must not be a
     * symbolic link itself.
     *
     * @throws Refusal as {@link #lexical}, or when a link is involved that leads outside
     */
    Path writable(String given) throws Refusal {
        Path path = lexical(given);
        Path realRoot = realRoot();
        if (Files.isSymbolicLink(path)) {
            throw new Refusal("refused: '" + given + "' is a symbolic link; write_file does not write through links");
        }
        Path existing = path.getParent();
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            throw new Refusal("refused: '" + given + "' is outside the workspace");
        }
        try {
            if (!existing.toRealPath().startsWith(realRoot)) {
                throw new Refusal("refused: '" + given + "' leads outside the workspace through a symbolic link");
            }
        } catch (IOException e) {
            throw new Refusal("cannot check '" + given + "': " + e.getMessage());
        }
        if (Files.isDirectory(path)) {
            throw new Refusal("'" + given + "' is a directory");
        }
        return path;
    }

    /** A path for messages: relative to the workspace. */
    String display(Path path) {
        try {
            return realRoot().relativize(path).toString();
        } catch (Refusal | IllegalArgumentException e) {
            return path.toString();
        }
    }
}
