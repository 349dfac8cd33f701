package io.meshflow.cli;

import io.meshflow.ValidationException;
import io.meshflow.governance.AgentIdentity;
import io.meshflow.governance.AgentIdentityProvider;
import io.meshflow.governance.CapabilityScope;
import io.meshflow.ledger.RegisteredIdentity;
import io.meshflow.ledger.Revocation;
import io.meshflow.ledger.jdbc.JdbcLedger;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshflow identity create|list|revoke}: agent identities ({@code did:key} over Ed25519) in a key store file,
 * registered with the ledger, and revoked in the ledger's revocation list (effective from every engine's next step).
 */
@Command(
        name = "identity",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Creates, lists and revokes agent identities (did:key over Ed25519).",
        subcommands = {IdentityCommand.Create.class, IdentityCommand.ListIdentities.class, IdentityCommand.Revoke.class
        })
final class IdentityCommand implements Callable<Integer> {
    private final CliEnvironment environment;

    IdentityCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() {
        environment.err().println("meshflow identity: name a subcommand: create, list or revoke (see --help)");
        return ExitCode.USAGE.code();
    }

    /** {@code meshflow identity create <agentId>}. */
    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Issues an identity with a fresh Ed25519 key pair and a capability scope.")
    static final class Create implements Callable<Integer> {
        private final CliEnvironment environment;

        @Parameters(index = "0", paramLabel = "<agentId>", description = "The agent the identity is for.")
        private String agentId = "";

        @Option(names = "--tools", split = ",", paramLabel = "NAME", description = "Tools it may call (* = any).")
        private List<String> tools = new ArrayList<>();

        @Option(
                names = "--models",
                split = ",",
                paramLabel = "MODEL",
                description = "Models it may use: provider/model, provider/* or a model name (default: *).")
        private List<String> models = new ArrayList<>(List.of("*"));

        @Option(
                names = "--delegate-to",
                split = ",",
                paramLabel = "AGENT",
                description = "Agents it may hand work to (* = any).")
        private List<String> delegates = new ArrayList<>();

        @Option(
                names = "--max-cost-per-step",
                paramLabel = "USD",
                description = "The most one of its steps may cost (default: no cap).")
        private double maxCostPerStep;

        @Option(
                names = "--data-classes",
                split = ",",
                paramLabel = "CLASS",
                description = "Data classes it may see (default: *).")
        private List<String> dataClasses = new ArrayList<>(List.of("*"));

        @Mixin
        private KeyStoreOption keys = new KeyStoreOption();

        @Mixin
        private LedgerOption ledger = new LedgerOption();

        Create(CliEnvironment environment) {
            this.environment = environment;
        }

        @Override
        public Integer call() {
            CapabilityScope scope = CapabilityScope.builder()
                    .tools(tools.toArray(new String[0]))
                    .models(models.toArray(new String[0]))
                    .mayDelegateTo(delegates.toArray(new String[0]))
                    .maxCostPerStepUsd(maxCostPerStep)
                    .dataClasses(dataClasses.toArray(new String[0]))
                    .build();
            AgentIdentity identity =
                    AgentIdentityProvider.open(keys.path(environment)).create(agentId, scope);
            try (JdbcLedger opened = ledger.open(environment)) {
                opened.registerIdentity(
                        new RegisteredIdentity(identity.did(), identity.agentId(), identity.createdAt()));
            }
            PrintStream out = environment.out();
            out.println("created identity for agent " + agentId + ": " + identity.did());
            out.println("  scope: " + describe(scope));
            out.println("  key store: " + keys.path(environment));
            out.flush();
            return ExitCode.COMPLETED.code();
        }
    }

    /** {@code meshflow identity list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists identities and whether revoked.")
    static final class ListIdentities implements Callable<Integer> {
        private final CliEnvironment environment;

        @Mixin
        private KeyStoreOption keys = new KeyStoreOption();

        @Mixin
        private LedgerOption ledger = new LedgerOption();

        ListIdentities(CliEnvironment environment) {
            this.environment = environment;
        }

        @Override
        public Integer call() {
            List<AgentIdentity> identities =
                    AgentIdentityProvider.open(keys.path(environment)).identities();
            PrintStream out = environment.out();
            try (JdbcLedger opened = ledger.open(environment)) {
                if (identities.isEmpty()) {
                    out.println("no identities in " + keys.path(environment));
                }
                for (AgentIdentity id : identities) {
                    Optional<Revocation> revoked = opened.revocation(id.did());
                    out.println(id.agentId() + "  " + id.did() + "  "
                            + revoked.map(r -> "REVOKED " + r.revokedAt() + " (" + r.reason() + ")")
                                    .orElse("active"));
                    out.println("  scope: " + describe(id.scope()));
                }
            }
            out.flush();
            return ExitCode.COMPLETED.code();
        }
    }

    /** {@code meshflow identity revoke <agentId|did> --reason R}. */
    @Command(
            name = "revoke",
            mixinStandardHelpOptions = true,
            description = "Revokes an identity in the ledger; engines block the agent's next step.")
    static final class Revoke implements Callable<Integer> {
        private final CliEnvironment environment;

        @Parameters(index = "0", paramLabel = "<agentId|did>", description = "The agent or its did:key.")
        private String who = "";

        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why (recorded).")
        private String reason = "";

        @Option(names = "--by", paramLabel = "NAME", description = "Who revokes it (default: $USER, else cli).")
        private String by = "";

        @Mixin
        private KeyStoreOption keys = new KeyStoreOption();

        @Mixin
        private LedgerOption ledger = new LedgerOption();

        Revoke(CliEnvironment environment) {
            this.environment = environment;
        }

        @Override
        public Integer call() {
            AgentIdentityProvider provider = AgentIdentityProvider.open(keys.path(environment));
            AgentIdentity identity = provider.identities().stream()
                    .filter(i -> i.agentId().equals(who) || i.did().equals(who))
                    .findFirst()
                    .orElseThrow(() ->
                            new ValidationException("no identity for '" + who + "' in " + keys.path(environment)));
            String revoker = !by.isBlank()
                    ? by
                    : Optional.ofNullable(environment.variable("USER")).orElse("cli");
            try (JdbcLedger opened = ledger.open(environment)) {
                opened.registerIdentity(
                        new RegisteredIdentity(identity.did(), identity.agentId(), identity.createdAt()));
                opened.revoke(new Revocation(identity.did(), identity.agentId(), reason, revoker, Instant.now()));
                Revocation r = opened.revocation(identity.did()).orElseThrow();
                environment
                        .out()
                        .println("revoked " + identity.agentId() + " " + identity.did() + " at " + r.revokedAt()
                                + " by " + r.revokedBy() + ": " + r.reason());
            }
            environment.out().flush();
            return ExitCode.COMPLETED.code();
        }
    }

    static String describe(CapabilityScope scope) {
        return "tools=" + new TreeSet<>(scope.tools()) + " models=" + new TreeSet<>(scope.models())
                + " delegate_to=" + new TreeSet<>(scope.mayDelegateTo())
                + (scope.maxCostPerStepUsd() > 0 ? " max_cost_per_step=$" + scope.maxCostPerStepUsd() : "")
                + " data_classes=" + new TreeSet<>(scope.dataClasses());
    }
}
