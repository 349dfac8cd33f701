package io.meshflow.cli;

import io.meshflow.governance.AgentIdentityProvider;
import io.meshflow.governance.Governance;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * The {@code --keystore} option: the key store file holding the agents' identities and private keys, else {@code
 * MESHFLOW_KEYSTORE}, else {@code .meshflow/keys.json}. {@code meshflow run} signs steps and checks identities only
 * when the option or the variable names a key store.
 */
final class KeyStoreOption {
    /** The key store used by the identity commands when neither the option nor the variable names one. */
    static final String DEFAULT_PATH = ".meshflow/keys.json";

    /** The environment variable naming the key store. */
    static final String VARIABLE = "MESHFLOW_KEYSTORE";

    @Option(
            names = "--keystore",
            paramLabel = "FILE",
            description = {
                "The agents' key store (identities and private keys; keep it secret).",
                "Default: $MESHFLOW_KEYSTORE, else " + DEFAULT_PATH + "."
            })
    private @Nullable Path path;

    /** The key store named by the option or the variable, or null when neither names one. */
    @Nullable
    Path named(CliEnvironment environment) {
        if (path != null) {
            return path;
        }
        String variable = environment.variable(VARIABLE);
        return variable == null || variable.isBlank() ? null : Path.of(variable);
    }

    /** The key store in force, the default file when none is named. */
    Path path(CliEnvironment environment) {
        Path named = named(environment);
        return named != null ? named : Path.of(DEFAULT_PATH);
    }

    /** Governance for a run: with the named key store's identities, or without identities when none is named. */
    Governance governance(CliEnvironment environment) {
        Path named = named(environment);
        return named == null
                ? Governance.defaults()
                : Governance.builder()
                        .identities(AgentIdentityProvider.open(named))
                        .build();
    }
}
