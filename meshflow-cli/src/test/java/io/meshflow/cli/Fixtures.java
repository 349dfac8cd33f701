package io.meshflow.cli;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/** Workflow files the tests run: those in the test resources and the repository's examples. */
final class Fixtures {
    private Fixtures() {}

    /** A workflow under {@code src/test/resources/workflows}, as a path string. */
    static String workflow(String name) {
        URL url = Fixtures.class.getResource("/workflows/" + name);
        if (url == null) {
            throw new IllegalArgumentException("no test workflow " + name);
        }
        try {
            return Path.of(url.toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A file of the repository's {@code examples/} folder, as a path string. */
    static String example(String name) {
        Path path = Path.of("..", "examples", name);
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException("no example " + path.toAbsolutePath());
        }
        return path.toString();
    }
}
