package io.meshflow.ledger.jdbc;

import io.meshflow.governance.AgentIdentityProvider;
import io.meshflow.governance.DidKey;
import io.meshflow.ledger.StepRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.DateTimeException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Checks the signatures of a run's step records: each signature must verify (Ed25519, the key taken from the signer's
 * {@code did:key}) over the entry hash <em>recomputed</em> from the stored record, so that a changed record breaks its
 * signature as well as its hashes; the signer must be the registered identity of the record's agent; and it must not
 * have been revoked before the record ended. A record anonymised under an erasure receipt is checked against its
 * stored entry hash instead (its text is gone; the chain verification vouches for the rest).
 */
final class SignatureVerifier {
    private SignatureVerifier() {}

    /** The parts of a step record a signature check reads. */
    private record Signed(
            String stepId,
            long seq,
            @Nullable String agentId,
            String endedAt,
            @Nullable String entryHash) {}

    /** Who may sign: each identity's agent, and when identities were revoked; read once per verification. */
    private record Identities(Map<String, String> agentOf, Map<String, String> revokedAt) {
        static Identities read(Connection c) throws SQLException {
            Map<String, String> agentOf = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT did, agent_id FROM agent_identities");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    agentOf.put(rs.getString(1), rs.getString(2));
                }
            }
            Map<String, String> revokedAt = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT did, revoked_at FROM identity_revocations");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    revokedAt.put(rs.getString(1), rs.getString(2));
                }
            }
            return new Identities(agentOf, revokedAt);
        }
    }

    /**
     * Checks every record of the run, recomputing each signed record's entry hash from its stored fields and text (so
     * this stands on its own, without a chain verification).
     */
    static List<SignatureCheck> verify(Connection c, String tenantId, String runId, List<StoredStep> steps)
            throws SQLException {
        Map<Long, String[]> signatures = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT seq, signer, signature FROM step_signatures WHERE tenant_id = ? AND run_id = ?")) {
            ps.setString(1, tenantId);
            ps.setString(2, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    signatures.put(rs.getLong(1), new String[] {rs.getString(2), rs.getString(3)});
                }
            }
        }
        // an anonymised record's text was replaced under an erasure receipt: its signature is checked against the
        // stored entry hash, which the chain verification checks against the record's fields and content hash
        Set<Long> erased = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT seq FROM step_records WHERE tenant_id = ? AND run_id = ?" + " AND erased_by IS NOT NULL")) {
            ps.setString(1, tenantId);
            ps.setString(2, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    erased.add(rs.getLong(1));
                }
            }
        }
        Identities identities = Identities.read(c);
        List<SignatureCheck> out = new ArrayList<>(steps.size());
        for (StoredStep s : steps) {
            String[] signed = signatures.get(s.seq());
            if (signed == null) {
                out.add(new SignatureCheck(
                        s.stepId(), s.seq(), s.agentId(), null, SignatureCheck.Status.UNSIGNED, "not signed"));
                continue;
            }
            String entryHash = erased.contains(s.seq()) ? s.entryHash() : recomputedEntryHash(s);
            out.add(check(
                    new Signed(s.stepId(), s.seq(), s.agentId(), s.endedAt(), entryHash),
                    signed[0],
                    signed[1],
                    identities));
        }
        return out;
    }

    /**
     * Checks the signed records of a run whose hash chain has just verified, against their <em>stored</em> entry
     * hashes: the chain verification recomputed each of them from the record's fields and text and found it equal,
     * so reading the records' text a second time would prove nothing more. Unsigned records are not listed.
     *
     * @return one check per signed record, in order of {@code seq}
     */
    static List<SignatureCheck> verifySignedAfterChain(Connection c, String tenantId, String runId)
            throws SQLException {
        List<SignatureCheck> out = new ArrayList<>();
        Identities identities = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT s.seq, r.step_id, r.agent_id, r.ended_at, r.entry_hash,"
                + " s.signer, s.signature FROM step_signatures s JOIN step_records r ON r.run_id = s.run_id"
                + " AND r.seq = s.seq AND r.tenant_id = s.tenant_id WHERE s.tenant_id = ? AND s.run_id = ?"
                + " ORDER BY s.seq")) {
            ps.setString(1, tenantId);
            ps.setString(2, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (identities == null) {
                        identities = Identities.read(c);
                    }
                    Signed record = new Signed(
                            rs.getString(2), rs.getLong(1), rs.getString(3), rs.getString(4), rs.getString(5));
                    out.add(check(record, rs.getString(6), rs.getString(7), identities));
                }
            }
        }
        return out;
    }

    private static SignatureCheck check(Signed s, String signer, String signature, Identities identities) {
        String name = ChainVerifier.name(s.stepId(), s.seq());
        String entryHash = s.entryHash();
        if (entryHash == null || !DidKey.verify(signer, entryHash.getBytes(StandardCharsets.US_ASCII), signature)) {
            return new SignatureCheck(
                    s.stepId(),
                    s.seq(),
                    s.agentId(),
                    signer,
                    SignatureCheck.Status.INVALID,
                    name + ": the signature by " + signer + " does not verify over the entry hash recomputed from"
                            + " the stored record (the record or its signature was changed)");
        }
        String owner = identities.agentOf().get(signer);
        // a step without an agent is signed by the engine identity of the engine that took it
        String expected = s.agentId() == null ? AgentIdentityProvider.ENGINE : s.agentId();
        if (owner == null || !owner.equals(expected)) {
            return new SignatureCheck(
                    s.stepId(),
                    s.seq(),
                    s.agentId(),
                    signer,
                    SignatureCheck.Status.UNKNOWN_SIGNER,
                    name + ": signed by " + signer + ", which is "
                            + (owner == null ? "not a registered identity" : "the identity of agent '" + owner + "'")
                            + ", not of "
                            + (s.agentId() == null ? "the engine identity " + expected : "agent '" + expected + "'"));
        }
        String revoked = identities.revokedAt().get(signer);
        if (revoked != null && revoked.compareTo(s.endedAt()) <= 0) {
            return new SignatureCheck(
                    s.stepId(),
                    s.seq(),
                    s.agentId(),
                    signer,
                    SignatureCheck.Status.REVOKED_SIGNER,
                    name + ": signed by " + signer + ", revoked at " + revoked + ", before the step ended at "
                            + s.endedAt());
        }
        return new SignatureCheck(
                s.stepId(), s.seq(), s.agentId(), signer, SignatureCheck.Status.VALID, name + ": signed by " + signer);
    }

    /** The entry hash of the stored record as it is now, or null when the record no longer parses. */
    private static @Nullable String recomputedEntryHash(StoredStep s) {
        if (s.prevHash() == null || s.hashVersion() < 2) {
            return null;
        }
        try {
            StepRecord record = s.toRecord(s.output());
            return HashChain.entryHash(s.hashVersion(), record, HashChain.contentHash(record), s.prevHash());
        } catch (IOException | IllegalArgumentException | DateTimeException e) {
            return null;
        }
    }
}
