package io.meshflow.cli;

import io.meshflow.MeshFlowException;
import io.meshflow.ValidationException;
import io.meshflow.ledger.jdbc.JdbcLedger;
import io.meshflow.server.ApiKeys;
import io.meshflow.server.MeshFlowServer;
import io.meshflow.server.Role;
import io.meshflow.server.ServedWorkflow;
import io.meshflow.workflow.yaml.WorkflowFile;
import io.meshflow.workflow.yaml.WorkflowLoader;
import java.io.IOException;
import java.io.PrintStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code meshflow dev}: the server for development. Serves the project's workflow files (and the web trace viewer),
 * watches them and {@code target/classes}, and restarts the server on the same port when they change, after a quiet
 * period (the debounce) so that a burst of saves or a build restarts it once. A change that leaves a workflow file
 * invalid is reported and the running server is kept. Prints a coloured banner with the URL, the UI link, the API
 * key and the version.
 */
@Command(
        name = "dev",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Serves the project's workflows with the web trace viewer and restarts when a workflow file or"
                    + " target/classes changes.",
            "Without --api-key (or MESHFLOW_API_KEYS) an admin key is generated for this session and shown in the"
                    + " banner."
        },
        footerHeading = "%nExamples:%n",
        footer = {"  meshflow dev", "  meshflow dev --dir my-project --port 9000 --debounce 200ms"})
final class DevCommand implements Callable<Integer> {
    /** Dev sessions running in this JVM, so that in-process tests can stop them. */
    static final Set<DevCommand> RUNNING = ConcurrentHashMap.newKeySet();

    private final CliEnvironment environment;

    @Option(names = "--dir", paramLabel = "DIR", description = "The project directory (default: .).")
    private Path dir = Path.of(".");

    @Option(names = "--host", paramLabel = "ADDRESS", description = "The address to bind (default: 127.0.0.1).")
    private String host = "127.0.0.1";

    @Option(
            names = "--port",
            paramLabel = "PORT",
            description = "The port (default: $MESHFLOW_PORT, else 8080; 0 picks a free one, kept across restarts).")
    private @Nullable Integer port;

    @Option(
            names = "--api-key",
            paramLabel = "KEY[:TENANT[:ROLE]]",
            description = "An API key the server accepts (repeatable); default: one admin key generated per session.")
    private List<String> apiKeys = new ArrayList<>();

    @Option(
            names = "--debounce",
            paramLabel = "DURATION",
            description = "How long the files must be quiet before a restart, such as 500ms or 2s (default: 500ms).")
    private String debounce = "500ms";

    @Option(
            names = "--no-color",
            description = "Never colour the banner (it is coloured only on a terminal, and not when NO_COLOR is set).")
    private boolean noColor;

    @Mixin
    private LedgerOption ledger = new LedgerOption();

    @ParentCommand
    private @Nullable MeshflowCommand parent;

    private volatile @Nullable WatchService watcher;

    DevCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() throws Exception {
        Duration quiet = parseDuration(debounce);
        if (!Files.isDirectory(dir)) {
            throw new ValidationException("--dir " + dir + " is not a directory");
        }
        PrintStream out = environment.out();
        Ansi ansi = Ansi.forOutput(environment, noColor);
        String defaultTenant = variableOr("MESHFLOW_DEFAULT_TENANT", "default");
        ApiKeys keys = ApiKeys.none();
        String shownKey = null;
        for (String entry : apiKeys) {
            keys = keys.with(ApiKeys.parse(entry, defaultTenant));
            shownKey = shownKey == null ? entry.split(":", 2)[0] : shownKey;
        }
        String variable = environment.variable("MESHFLOW_API_KEYS");
        if (variable != null) {
            keys = keys.with(ApiKeys.parse(variable, defaultTenant));
        }
        if (keys.isEmpty()) {
            shownKey = ServeCommand.generateKey();
            keys = keys.with(shownKey, defaultTenant, Role.ADMIN);
        }
        int chosenPort = port != null ? port : Integer.parseInt(variableOr("MESHFLOW_PORT", "8080"));
        OtlpTracing tracing = OtlpTracing.installIfConfigured(environment, parent != null && parent.verbose())
                .orElse(null);
        RUNNING.add(this);
        try (JdbcLedger opened = ledger.open(environment);
                WatchService watch = FileSystems.getDefault().newWatchService()) {
            watcher = watch;
            Served served = start(load(), opened, keys, defaultTenant, chosenPort);
            chosenPort = served.server().port();
            out.print(banner(ansi, served, shownKey, quiet));
            out.flush();
            watchAll(watch);
            try {
                while (awaitChange(watch, quiet)) {
                    served = reload(served, opened, keys, defaultTenant, chosenPort, ansi);
                }
            } finally {
                served.close();
            }
            return ExitCode.COMPLETED.code();
        } finally {
            RUNNING.remove(this);
            watcher = null;
            if (tracing != null) {
                tracing.close();
            }
        }
    }

    /** A running server and the workflow files it serves. */
    private record Served(MeshFlowServer server, List<WorkflowFile> files) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
            files.forEach(WorkflowFile::close);
        }
    }

    private Served start(List<WorkflowFile> files, JdbcLedger opened, ApiKeys keys, String tenant, int chosenPort) {
        MeshFlowServer.Builder builder = MeshFlowServer.builder()
                .ledger(opened)
                .closeLedgerOnStop(false)
                .host(host)
                .port(chosenPort)
                .apiKeys(keys)
                .defaultTenant(tenant)
                .version(VersionProvider.version())
                .defaultWorkflow(new ServedWorkflow(OfflineAssistant.workflow(), OfflineAssistant.provider(), null));
        for (WorkflowFile file : files) {
            builder.workflow(new ServedWorkflow(file.workflow(), file.scripted(), file.task()));
        }
        try {
            return new Served(builder.build().start(), files);
        } catch (RuntimeException e) {
            files.forEach(WorkflowFile::close);
            throw e;
        }
    }

    private Served reload(Served current, JdbcLedger opened, ApiKeys keys, String tenant, int chosenPort, Ansi ansi) {
        PrintStream out = environment.out();
        long t0 = System.nanoTime();
        List<WorkflowFile> files;
        try {
            files = load();
        } catch (MeshFlowException e) {
            out.println(ansi.red("meshflow dev: not reloaded, the old server keeps running: " + e.getMessage()));
            out.flush();
            return current;
        }
        current.close();
        Served next = start(files, opened, keys, tenant, chosenPort);
        out.println(ansi.green("meshflow dev: reloaded in " + (System.nanoTime() - t0) / 1_000_000 + " ms")
                + " (workflows " + names(next) + ")");
        out.flush();
        return next;
    }

    /** The project's workflow files, loaded with a class loader over {@code target/classes} (new every time). */
    private List<WorkflowFile> load() {
        ClassLoader classLoader = classLoader();
        WorkflowLoader loader =
                WorkflowLoader.builder().classLoader(classLoader).build();
        List<WorkflowFile> files = new ArrayList<>();
        try {
            for (Path file : workflowPaths()) {
                WorkflowFiles.requireReadable(file);
                files.add(loader.load(file));
            }
        } catch (RuntimeException e) {
            files.forEach(WorkflowFile::close);
            throw e;
        }
        return files;
    }

    private ClassLoader classLoader() {
        Path classes = dir.resolve("target").resolve("classes");
        ClassLoader parentLoader = DevCommand.class.getClassLoader();
        if (!Files.isDirectory(classes)) {
            return parentLoader;
        }
        try {
            return new URLClassLoader(new URL[] {classes.toUri().toURL()}, parentLoader);
        } catch (MalformedURLException e) {
            throw new ValidationException("cannot load classes from " + classes + ": " + e.getMessage());
        }
    }

    private List<Path> workflowPaths() {
        List<Path> paths = new ArrayList<>();
        for (Path folder : List.of(dir, dir.resolve("workflows"))) {
            if (!Files.isDirectory(folder)) {
                continue;
            }
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(folder, "*.{yaml,yml}")) {
                stream.forEach(paths::add);
            } catch (IOException e) {
                throw new ValidationException("cannot list " + folder + ": " + e.getMessage());
            }
        }
        paths.sort(null);
        return paths;
    }

    private void watchAll(WatchService watch) throws IOException {
        register(watch, dir);
        Path workflows = dir.resolve("workflows");
        if (Files.isDirectory(workflows)) {
            register(watch, workflows);
        }
        Path classes = dir.resolve("target").resolve("classes");
        if (Files.isDirectory(classes)) {
            try (Stream<Path> tree = Files.walk(classes)) {
                for (Path folder : tree.filter(Files::isDirectory).toList()) {
                    register(watch, folder);
                }
            }
        }
    }

    private static void register(WatchService watch, Path folder) throws IOException {
        folder.register(
                watch,
                StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
    }

    /**
     * Waits for a relevant change, then until the files have been quiet for {@code quiet}.
     *
     * @return false when the session was stopped
     */
    private boolean awaitChange(WatchService watch, Duration quiet) throws IOException, InterruptedException {
        try {
            while (!relevant(watch, watch.take())) {
                // only changes of workflow files and classes restart the server
            }
            while (true) {
                WatchKey more = watch.poll(quiet.toMillis(), TimeUnit.MILLISECONDS);
                if (more == null) {
                    return true;
                }
                relevant(watch, more);
            }
        } catch (ClosedWatchServiceException e) {
            return false;
        }
    }

    private boolean relevant(WatchService watch, WatchKey key) throws IOException {
        boolean relevant = false;
        Path folder = (Path) key.watchable();
        Path classes = dir.resolve("target").resolve("classes").toAbsolutePath().normalize();
        for (WatchEvent<?> event : key.pollEvents()) {
            if (!(event.context() instanceof Path name)) {
                relevant = true; // overflow: something changed
                continue;
            }
            Path changed = folder.resolve(name);
            boolean inClasses = changed.toAbsolutePath().normalize().startsWith(classes);
            String file = name.toString();
            if (inClasses || file.endsWith(".yaml") || file.endsWith(".yml")) {
                relevant = true;
            }
            if (event.kind().equals(StandardWatchEventKinds.ENTRY_CREATE) && Files.isDirectory(changed)) {
                if (inClasses || changed.getFileName().toString().equals("classes")) {
                    watchTree(watch, changed);
                    relevant = relevant || inClasses;
                } else if (file.equals("workflows") || file.equals("target")) {
                    watchTree(watch, changed);
                }
            }
        }
        key.reset();
        return relevant;
    }

    private static void watchTree(WatchService watch, Path root) throws IOException {
        try (Stream<Path> tree = Files.walk(root)) {
            for (Path folder : tree.filter(Files::isDirectory).toList()) {
                register(watch, folder);
            }
        }
    }

    private String banner(Ansi ansi, Served served, @Nullable String key, Duration quiet) {
        String url = served.server().url();
        String arrow = ansi.green("➜");
        return "\n  " + ansi.bold(ansi.green("MeshFlow dev")) + " " + ansi.dim("v" + VersionProvider.version()) + "\n\n"
                + "  " + arrow + "  " + ansi.bold("API:") + "       " + url + "\n"
                + "  " + arrow + "  " + ansi.bold("UI:") + "        " + ansi.yellow(url + "/ui") + "\n"
                + "  " + arrow + "  " + ansi.bold("API key:") + "   "
                + (key == null ? ansi.dim("(from MESHFLOW_API_KEYS)") : key) + "\n"
                + "  " + arrow + "  " + ansi.bold("ledger:") + "    " + LedgerOption.display(ledger.url(environment))
                + "\n"
                + "  " + arrow + "  " + ansi.bold("workflows:") + " " + names(served) + "\n"
                + "  "
                + ansi.dim("watching " + dir + " (*.yaml, workflows/, target/classes); restarts after "
                        + quiet.toMillis() + " ms of quiet; Ctrl-C stops")
                + "\n\n";
    }

    private static String names(Served served) {
        List<String> names = new ArrayList<>();
        served.files().forEach(f -> names.add(f.workflow().name()));
        return names.isEmpty() ? "(none; the default assistant only)" : String.join(", ", names);
    }

    /** Stops every dev session of this JVM (tests). */
    static void stopRunning() throws IOException {
        for (DevCommand dev : List.copyOf(RUNNING)) {
            WatchService watch = dev.watcher;
            if (watch != null) {
                watch.close();
            }
        }
    }

    private String variableOr(String name, String fallback) {
        String value = environment.variable(name);
        return value == null ? fallback : value;
    }

    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            }
            return Duration.ofMillis(Long.parseLong(t));
        } catch (NumberFormatException e) {
            throw new ValidationException("--debounce must be a duration such as 500ms or 2s, got '" + text + "'");
        }
    }
}
