package io.meshflow.governance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshflow.MeshFlowException;
import io.meshflow.ValidationException;
import io.meshflow.json.MeshJson;
import io.meshflow.ledger.StepRecord;
import io.meshflow.ledger.StepSignature;
import io.meshflow.ledger.StepSigner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Issues agent identities and holds their private keys: each identity is a fresh Ed25519 key pair (JDK crypto), named
 * by its {@code did:key}, with a {@link CapabilityScope}. Signs step records as the {@link StepSigner} of a ledger.
 *
 * <p>A provider is either in memory ({@link #inMemory()}) or backed by a key store file ({@link #open(Path)}), a JSON
 * document holding every identity with its PKCS#8 private key, rewritten atomically (and readable by its owner only,
 * where the file system has POSIX permissions) on every change. Keep that file as secret as any private key.
 *
 * <p>Steps without an agent (function nodes, sub-workflow containers, decision records) are signed by the provider's
 * own <em>engine identity</em>, {@value #ENGINE}: an Ed25519 key issued with the provider's first signature or
 * registration, kept like an agent's, with a scope that allows nothing (it calls no model or tool itself). So every
 * record of a run is signed, and a record without an agent signed by any other key is reported.
 *
 * <p>Revocation is not kept here but in the ledger ({@link io.meshflow.ledger.Ledger#revoke}), so that every engine
 * on a ledger sees it at once. Thread-safe.
 */
public final class AgentIdentityProvider implements StepSigner {
    private static final Pattern AGENT_ID = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

    /**
     * The id of the engine identity, which signs the records of steps without an agent; no agent can be given it
     * ({@code :} is not allowed in agent ids).
     */
    public static final String ENGINE = "meshflow:engine";

    private record Entry(AgentIdentity identity, PrivateKey key) {}

    private final @Nullable Path file;
    private final Clock clock;
    private final Map<String, Entry> byAgent = new LinkedHashMap<>();

    private AgentIdentityProvider(@Nullable Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    /** A provider whose keys live only in this process. */
    public static AgentIdentityProvider inMemory() {
        return new AgentIdentityProvider(null, Clock.systemUTC());
    }

    /** A provider in memory whose identities are stamped by {@code clock}. */
    public static AgentIdentityProvider inMemory(Clock clock) {
        return new AgentIdentityProvider(null, clock);
    }

    /**
     * A provider backed by a key store file, read now if it exists (otherwise created on the first identity).
     *
     * @throws ValidationException when the file is not a MeshFlow key store
     * @throws UncheckedIOException when it cannot be read
     */
    public static AgentIdentityProvider open(Path keyStore) {
        AgentIdentityProvider provider = new AgentIdentityProvider(keyStore, Clock.systemUTC());
        if (Files.exists(keyStore)) {
            provider.load(keyStore);
        }
        return provider;
    }

    /**
     * Issues a new identity for an agent with a fresh key pair, replacing none: an agent holds one identity.
     *
     * @throws ValidationException when the agent id is malformed or the agent already has an identity
     */
    public synchronized AgentIdentity create(String agentId, CapabilityScope scope) {
        if (!AGENT_ID.matcher(agentId).matches()) {
            throw new ValidationException(
                    "agent id must be 1-128 letters, digits, '_', '.' or '-', got '" + agentId + "'");
        }
        if (byAgent.containsKey(agentId)) {
            throw new ValidationException("agent '" + agentId + "' already has identity "
                    + byAgent.get(agentId).identity().did() + "; revoke it and use a new agent id");
        }
        KeyPair pair = generate();
        return add(agentId, scope, pair.getPrivate(), DidKey.of(pair.getPublic()));
    }

    private static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new MeshFlowException("this JVM cannot generate Ed25519 keys", e);
        }
    }

    /**
     * Adds an identity whose key pair the caller supplies.
     *
     * @throws ValidationException when the key pair is not Ed25519 or the agent already has an identity
     */
    public synchronized AgentIdentity add(String agentId, CapabilityScope scope, KeyPair keys) {
        if (byAgent.containsKey(agentId)) {
            throw new ValidationException("agent '" + agentId + "' already has an identity");
        }
        return add(agentId, scope, keys.getPrivate(), DidKey.of(keys.getPublic()));
    }

    private AgentIdentity add(String agentId, CapabilityScope scope, PrivateKey key, String did) {
        AgentIdentity identity = new AgentIdentity(agentId, did, scope, clock.instant());
        byAgent.put(agentId, new Entry(identity, key));
        save();
        return identity;
    }

    /**
     * The engine identity, which signs the records of steps without an agent: issued (and saved with the key store)
     * on first use.
     */
    public synchronized AgentIdentity engineIdentity() {
        Entry entry = byAgent.get(ENGINE);
        if (entry != null) {
            return entry.identity();
        }
        KeyPair pair = generate();
        return add(
                ENGINE,
                new CapabilityScope(Set.of(), Set.of(), Set.of(), 0, Set.of()),
                pair.getPrivate(),
                DidKey.of(pair.getPublic()));
    }

    /** The identity of an agent, if it has one. */
    public synchronized Optional<AgentIdentity> identity(String agentId) {
        Entry entry = byAgent.get(agentId);
        return entry == null ? Optional.empty() : Optional.of(entry.identity());
    }

    /** Every identity, in order of issue. */
    public synchronized List<AgentIdentity> identities() {
        return byAgent.values().stream().map(Entry::identity).toList();
    }

    /**
     * Signs a message with an agent's key.
     *
     * @return the Ed25519 signature, base64url without padding
     * @throws ValidationException when the agent has no identity here
     */
    public String sign(String agentId, byte[] message) {
        Entry entry;
        synchronized (this) {
            entry = byAgent.get(agentId);
        }
        if (entry == null) {
            throw new ValidationException("agent '" + agentId + "' has no identity in this provider");
        }
        try {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(entry.key());
            signer.update(message);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(signer.sign());
        } catch (GeneralSecurityException e) {
            throw new MeshFlowException("cannot sign for agent '" + agentId + "': " + e.getMessage(), e);
        }
    }

    /**
     * Signs a record's entry hash with its agent's key, or with the {@linkplain #engineIdentity() engine identity's}
     * for a record without an agent; {@code null} for an agent without an identity here.
     */
    @Override
    public @Nullable StepSignature sign(StepRecord step, String entryHash) {
        String agentId = step.agentId() == null ? ENGINE : step.agentId();
        Optional<AgentIdentity> identity = ENGINE.equals(agentId) ? Optional.of(engineIdentity()) : identity(agentId);
        if (identity.isEmpty()) {
            return null;
        }
        return new StepSignature(identity.get().did(), sign(agentId, entryHash.getBytes(StandardCharsets.US_ASCII)));
    }

    // ---- the key store file ----

    private void load(Path path) {
        JsonNode root;
        try {
            root = MeshJson.parse(Files.readString(path));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read key store " + path, e);
        } catch (RuntimeException e) {
            throw new ValidationException(path + " is not a MeshFlow key store: " + e.getMessage());
        }
        if (!root.path("identities").isArray()) {
            throw new ValidationException(path + " is not a MeshFlow key store (no identities array)");
        }
        for (JsonNode node : root.path("identities")) {
            String agentId = node.path("agent_id").asText();
            try {
                PrivateKey key = KeyFactory.getInstance("Ed25519")
                        .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder()
                                .decode(node.path("private_key").asText())));
                String did = node.path("did").asText();
                DidKey.publicKey(did);
                JsonNode s = node.path("scope");
                CapabilityScope scope = new CapabilityScope(
                        strings(s.path("tools")),
                        strings(s.path("models")),
                        strings(s.path("may_delegate_to")),
                        s.path("max_cost_per_step_usd").asDouble(0),
                        strings(s.path("data_classes")));
                byAgent.put(
                        agentId,
                        new Entry(
                                new AgentIdentity(
                                        agentId,
                                        did,
                                        scope,
                                        Instant.parse(node.path("created_at").asText())),
                                key));
            } catch (GeneralSecurityException | IllegalArgumentException | java.time.DateTimeException e) {
                throw new ValidationException(
                        path + ": the identity of agent '" + agentId + "' is damaged: " + e.getMessage());
            }
        }
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> out = new TreeSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private void save() {
        Path path = file;
        if (path == null) {
            return;
        }
        ObjectNode root = MeshJson.mapper().createObjectNode();
        root.put("format", "meshflow-keystore-1");
        ArrayNode list = root.putArray("identities");
        for (Entry entry : byAgent.values()) {
            AgentIdentity id = entry.identity();
            ObjectNode node = list.addObject();
            node.put("agent_id", id.agentId());
            node.put("did", id.did());
            node.put("created_at", id.createdAt().toString());
            node.put(
                    "private_key",
                    Base64.getEncoder().encodeToString(entry.key().getEncoded()));
            ObjectNode scope = node.putObject("scope");
            array(scope.putArray("tools"), id.scope().tools());
            array(scope.putArray("models"), id.scope().models());
            array(scope.putArray("may_delegate_to"), id.scope().mayDelegateTo());
            scope.put("max_cost_per_step_usd", id.scope().maxCostPerStepUsd());
            array(scope.putArray("data_classes"), id.scope().dataClasses());
        }
        try {
            Path dir = path.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
            Files.writeString(tmp, MeshJson.write(root));
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the directory's permissions protect the file
            }
            try {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write key store " + path, e);
        }
    }

    private static void array(ArrayNode array, Set<String> values) {
        new ArrayList<>(new TreeSet<>(values)).forEach(array::add);
    }
}
