package io.meshflow.governance;

import io.meshflow.ledger.Ledger;
import io.meshflow.ledger.RegisteredIdentity;
import io.meshflow.ledger.Revocation;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.StepSigner;
import io.meshflow.privacy.PhiScrubber;
import io.meshflow.privacy.ScrubResult;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.WeakHashMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The governance kernel of one engine: who the agents are (an {@link AgentIdentityProvider}, optional), the guardian's
 * rules, and the circuit breakers. What is switched on and how strictly it acts comes from the run's {@link
 * io.meshflow.policy.Policy} ({@link GovernancePolicy}); this object holds what lives longer than a run.
 *
 * <p>The check methods are what the engine calls around every step, tool call and delegation; each returns the block
 * it decides on, naming reason, rule and evidence, or nothing. Thread-safe.
 */
public final class Governance {
    private final @Nullable AgentIdentityProvider identities;
    private final List<GuardianRule> rules;
    private final Map<String, Severity> customSeverities;
    private final CircuitBreakers breakers;
    private final Clock clock;
    private final Map<Ledger, Set<String>> registered = Collections.synchronizedMap(new WeakHashMap<>());

    private Governance(Builder b) {
        this.identities = b.identities;
        List<GuardianRule> all = new ArrayList<>(GuardianRules.shipped());
        all.addAll(b.rules);
        this.rules = List.copyOf(all);
        this.customSeverities = Map.copyOf(b.customSeverities);
        this.clock = b.clock;
        this.breakers = new CircuitBreakers(b.breakerSettings, b.clock);
    }

    /** Governance without identities, with the shipped guardian rules and default circuit breakers. */
    public static Governance defaults() {
        return builder().build();
    }

    /** Starts configuring governance. */
    public static Builder builder() {
        return new Builder();
    }

    /** The identity provider, when agents have identities. */
    public Optional<AgentIdentityProvider> identities() {
        return Optional.ofNullable(identities);
    }

    /** The circuit breakers. */
    public CircuitBreakers breakers() {
        return breakers;
    }

    /** The clock of the breakers and findings. */
    public Clock clock() {
        return clock;
    }

    /** Signs step records with their agents' keys, or {@code null} without identities. */
    public @Nullable StepSigner signer() {
        AgentIdentityProvider ids = identities;
        if (ids == null) {
            return null;
        }
        // a step refused for its identity is not signed: its key is revoked or unknown
        return (step, entryHash) ->
                GovernanceBlock.IDENTITY.equals(step.verdict().reason()) ? null : ids.sign(step, entryHash);
    }

    /**
     * Makes this engine's identities known to the ledger (once per ledger and identity), its engine identity (which
     * signs steps without an agent) included.
     */
    public void register(Ledger ledger) {
        AgentIdentityProvider ids = identities;
        if (ids == null) {
            return;
        }
        ids.engineIdentity();
        Set<String> known = registered.computeIfAbsent(ledger, l -> Collections.synchronizedSet(new HashSet<>()));
        for (AgentIdentity identity : ids.identities()) {
            if (known.add(identity.did())) {
                ledger.registerIdentity(
                        new RegisteredIdentity(identity.did(), identity.agentId(), identity.createdAt()));
            }
        }
    }

    /**
     * The identity check before an agent's step: with identities configured, an agent without one, or whose identity
     * the ledger lists as revoked, is refused with reason {@code identity}.
     */
    public Optional<GovernanceBlock> checkIdentity(Ledger ledger, String agentId) {
        AgentIdentityProvider ids = identities;
        if (ids == null) {
            return Optional.empty();
        }
        Optional<AgentIdentity> identity = ids.identity(agentId);
        if (identity.isEmpty()) {
            return Optional.of(new GovernanceBlock(
                    GovernanceBlock.IDENTITY,
                    "unknown_identity",
                    "agent '" + agentId + "' has no identity in the identity provider"));
        }
        Optional<Revocation> revoked = ledger.revocation(identity.get().did());
        return revoked.map(r -> new GovernanceBlock(
                GovernanceBlock.IDENTITY,
                "revoked_identity",
                "identity " + r.did() + " of agent '" + agentId + "' was revoked at " + r.revokedAt() + " by "
                        + r.revokedBy() + ": " + r.reason()));
    }

    /**
     * The identity check before a step without an agent (a function node, a sub-workflow): with identities
     * configured, the engine identity that signs it must not be revoked.
     */
    public Optional<GovernanceBlock> checkEngineIdentity(Ledger ledger) {
        return checkIdentity(ledger, AgentIdentityProvider.ENGINE);
    }

    /** The scope of an agent, when identities are configured and it has one. */
    public Optional<CapabilityScope> scope(String agentId) {
        AgentIdentityProvider ids = identities;
        return ids == null ? Optional.empty() : ids.identity(agentId).map(AgentIdentity::scope);
    }

    /** DASC for a delegation: may {@code from} hand work to {@code to}? */
    public Optional<GovernanceBlock> checkDelegation(String from, String to) {
        Optional<CapabilityScope> scope = scope(from);
        if (scope.isEmpty() || from.equals(to) || scope.get().allowsDelegationTo(to)) {
            return Optional.empty();
        }
        return Optional.of(new GovernanceBlock(
                GovernanceBlock.DASC,
                "delegation_scope",
                "agent '" + from + "' delegated to agent '" + to + "', but may delegate only to "
                        + sorted(scope.get().mayDelegateTo())));
    }

    /** DASC for a tool call: may the agent call this tool? */
    public Optional<GovernanceBlock> checkTool(String agentId, String tool, String arguments) {
        Optional<CapabilityScope> scope = scope(agentId);
        if (scope.isEmpty() || scope.get().allowsTool(tool)) {
            return Optional.empty();
        }
        String args = arguments.length() > 200 ? arguments.substring(0, 200) + "…" : arguments;
        return Optional.of(new GovernanceBlock(
                GovernanceBlock.DASC,
                "tool_scope",
                "agent '" + agentId + "' called tool '" + tool + "' with " + args + ", but its scope allows only "
                        + sorted(scope.get().tools())));
    }

    /** DASC for a model call: may the agent use this model? */
    public Optional<GovernanceBlock> checkModel(String agentId, String provider, String model) {
        Optional<CapabilityScope> scope = scope(agentId);
        if (scope.isEmpty() || scope.get().allowsModel(provider, model)) {
            return Optional.empty();
        }
        return Optional.of(new GovernanceBlock(
                GovernanceBlock.DASC,
                "model_scope",
                "agent '" + agentId + "' called " + provider + "/" + model + ", but its scope allows only "
                        + sorted(scope.get().models())));
    }

    /** The data class of protected health information, which {@link #checkDataClasses} detects. */
    public static final String PHI = "phi";

    /**
     * DASC for what an agent is about to see: an agent whose scope does not allow the data class {@code phi} may not
     * be given text in which {@link PhiScrubber#standard()} finds protected health information.
     */
    public Optional<GovernanceBlock> checkDataClasses(String agentId, String prompt) {
        Optional<CapabilityScope> scope = scope(agentId);
        if (scope.isEmpty() || scope.get().allowsDataClass(PHI)) {
            return Optional.empty();
        }
        ScrubResult found = PhiScrubber.standard().scrub(prompt);
        if (!found.redacted()) {
            return Optional.empty();
        }
        return Optional.of(new GovernanceBlock(
                GovernanceBlock.DASC,
                "data_class",
                "agent '" + agentId + "' was given protected health information (" + found.counts()
                        + "), but its scope allows only the data classes "
                        + sorted(scope.get().dataClasses())));
    }

    /** The metadata key naming a document's data classes, comma separated ({@code data_class: financial, pii}). */
    public static final String DATA_CLASS_KEY = "data_class";

    private static final Pattern COMMA = Pattern.compile(",");

    private static final Pattern DATA_CLASS_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /**
     * The metadata that labels documents with data classes, for {@code DocumentStore.ingest(documents, metadata)}:
     * {@value #DATA_CLASS_KEY} with the names joined by commas.
     *
     * @throws io.meshflow.ValidationException when there is no name, or one is not 1-64 letters, digits, {@code _},
     *     {@code .} or {@code -}
     */
    public static Map<String, String> dataClassLabel(List<String> classes) {
        if (classes.isEmpty()) {
            throw new io.meshflow.ValidationException("a data class label needs at least one data class");
        }
        for (String name : classes) {
            if (!DATA_CLASS_NAME.matcher(name).matches()) {
                throw new io.meshflow.ValidationException(
                        "data class '" + name + "' must be 1-64 letters, digits, '_', '.' or '-'");
            }
        }
        return Map.of(DATA_CLASS_KEY, String.join(",", classes));
    }

    /** The data classes a document's metadata names under {@value #DATA_CLASS_KEY}; none when it names none. */
    public static Set<String> dataClasses(Map<String, String> metadata) {
        String named = metadata.get(DATA_CLASS_KEY);
        if (named == null) {
            return Set.of();
        }
        Set<String> classes = new TreeSet<>();
        for (String name : COMMA.split(named, -1)) {
            if (!name.isBlank()) {
                classes.add(name.strip());
            }
        }
        return Set.copyOf(classes);
    }

    /**
     * DASC for data labelled with data classes (a document's {@value #DATA_CLASS_KEY}, a tool's {@link
     * io.meshflow.tool.Tool#dataClasses()}): an agent may be given it only when its scope allows every one of them.
     * Unlabelled data, and agents without an identity, are not checked.
     *
     * @param what the data, for the evidence, such as {@code document 'payroll.md, chars 0-80'}
     */
    public Optional<GovernanceBlock> checkDataClasses(String agentId, String what, Set<String> classes) {
        Optional<CapabilityScope> scope = scope(agentId);
        if (scope.isEmpty() || classes.isEmpty()) {
            return Optional.empty();
        }
        Set<String> denied = new TreeSet<>();
        for (String dataClass : classes) {
            if (!scope.get().allowsDataClass(dataClass)) {
                denied.add(dataClass);
            }
        }
        if (denied.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new GovernanceBlock(
                GovernanceBlock.DASC,
                "data_class",
                "agent '" + agentId + "' was to see " + what + " of data classes " + sorted(classes)
                        + ", but its scope does not allow " + denied + "; it allows only the data classes "
                        + sorted(scope.get().dataClasses())));
    }

    /** DASC after a step: did it cost more than the agent's scope allows per step? */
    public Optional<GovernanceBlock> checkStepCost(String agentId, double costUsd) {
        Optional<CapabilityScope> scope = scope(agentId);
        double cap = scope.map(CapabilityScope::maxCostPerStepUsd).orElse(0.0);
        if (cap <= 0 || costUsd <= cap) {
            return Optional.empty();
        }
        return Optional.of(new GovernanceBlock(
                GovernanceBlock.DASC,
                "max_cost_per_step",
                String.format(
                        Locale.ROOT,
                        "agent '%s' spent $%.6f in one step; its scope allows $%.6f",
                        agentId,
                        costUsd,
                        cap)));
    }

    /**
     * Runs every guardian rule with a severity on one subject.
     *
     * @return the rules that fired, most severe first
     */
    public List<GuardianFinding> guard(GuardianSubject subject, List<StepRecord> history, GovernancePolicy policy) {
        if (!policy.guardian()) {
            return List.of();
        }
        List<GuardianFinding> found = new ArrayList<>();
        for (GuardianRule rule : rules) {
            Severity severity = policy.severities().get(rule.name());
            if (severity == null) {
                severity = customSeverities.get(rule.name());
            }
            if (severity == null) {
                continue;
            }
            Optional<String> evidence = rule.inspect(subject, history, policy);
            if (evidence.isPresent()) {
                found.add(new GuardianFinding(rule.name(), severity, evidence.get()));
            }
        }
        found.sort((a, b) -> a.severity().compareTo(b.severity()));
        return found;
    }

    private static List<String> sorted(Set<String> values) {
        List<String> list = new ArrayList<>(values);
        Collections.sort(list);
        return list;
    }

    /** Builds a {@link Governance}. */
    public static final class Builder {
        private @Nullable AgentIdentityProvider identities;
        private final List<GuardianRule> rules = new ArrayList<>();
        private final Map<String, Severity> customSeverities = new LinkedHashMap<>();
        private CircuitBreakerSettings breakerSettings = CircuitBreakerSettings.defaults();
        private Clock clock = Clock.systemUTC();

        private Builder() {}

        /** Gives agents identities: their steps are signed, checked for revocation and scoped. */
        public Builder identities(AgentIdentityProvider value) {
            this.identities = value;
            return this;
        }

        /** Adds a guardian rule of your own, at this severity (a policy naming the rule overrides it). */
        public Builder guardianRule(GuardianRule rule, Severity severity) {
            rules.add(rule);
            customSeverities.put(rule.name(), severity);
            return this;
        }

        /** When circuit breakers open and how long they stay open. */
        public Builder circuitBreakers(CircuitBreakerSettings value) {
            this.breakerSettings = value;
            return this;
        }

        /** The clock of the circuit breakers' cool-down (the system clock by default). */
        public Builder clock(Clock value) {
            this.clock = value;
            return this;
        }

        /** Returns the governance. */
        public Governance build() {
            return new Governance(this);
        }
    }
}
