package io.meshflow.server;

import io.meshflow.ValidationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The API keys a server accepts, each with its tenant and role. Keys are kept only as SHA-256 hashes; a presented key
 * is hashed and compared with every known hash in constant time, so neither the keys nor their position can be
 * learnt from timing.
 *
 * <p>An entry is written {@code key[:tenant[:role]]}: the tenant defaults to the given default tenant, the role to
 * {@code user}. {@link #parse} reads comma-separated entries ({@code MESHFLOW_API_KEYS}); {@link #readFile} reads one
 * entry per line, ignoring blank lines and lines starting with {@code #} (the key file that maps keys to tenants).
 */
public final class ApiKeys {
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.~+/=-]{8,256}");
    private static final Pattern COLON = Pattern.compile(":");
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final List<Entry> entries;

    private static final class Entry {
        private final byte[] hash;
        private final Principal principal;

        Entry(byte[] hash, Principal principal) {
            this.hash = hash.clone();
            this.principal = principal;
        }

        byte[] hash() {
            return hash;
        }

        Principal principal() {
            return principal;
        }
    }

    private ApiKeys(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** No keys: every authenticated request is refused. */
    public static ApiKeys none() {
        return new ApiKeys(List.of());
    }

    /**
     * Reads comma-separated {@code key[:tenant[:role]]} entries.
     *
     * @throws ValidationException naming the bad entry (by position, never by its key)
     */
    public static ApiKeys parse(String entries, String defaultTenant) {
        return none().plus(splitEntries(entries, ","), defaultTenant, "MESHFLOW_API_KEYS entry");
    }

    /**
     * Reads a key file: one {@code key[:tenant[:role]]} entry per line, {@code #} comments and blank lines ignored.
     *
     * @throws ValidationException when the file cannot be read or an entry is bad
     */
    public static ApiKeys readFile(Path file, String defaultTenant) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            List<String> kept = new ArrayList<>();
            for (String line : lines) {
                String trimmed = line.trim();
                if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
                    kept.add(trimmed);
                }
            }
            return none().plus(kept, defaultTenant, "key file " + file + " entry");
        } catch (IOException e) {
            throw new ValidationException("cannot read the key file " + file + ": " + e.getMessage());
        }
    }

    /**
     * These keys plus one more.
     *
     * @throws ValidationException when the key, tenant or role is malformed
     */
    public ApiKeys with(String key, String tenantId, Role role) {
        requireKey(key, "key");
        requireTenant(tenantId, "key");
        List<Entry> all = new ArrayList<>(entries);
        all.add(new Entry(hash(key), new Principal(tenantId, role)));
        return new ApiKeys(all);
    }

    /** These keys plus all of {@code other}'s. */
    public ApiKeys with(ApiKeys other) {
        List<Entry> all = new ArrayList<>(entries);
        all.addAll(other.entries);
        return new ApiKeys(all);
    }

    /** True when no key is configured. */
    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** How many keys are configured. */
    public int size() {
        return entries.size();
    }

    /**
     * The principal of a presented key, or empty when the key is unknown. Takes the same time whichever key (if any)
     * matches.
     */
    public Optional<Principal> authenticate(@Nullable String presented) {
        if (presented == null || presented.isEmpty() || presented.length() > 1024) {
            return Optional.empty();
        }
        byte[] candidate = hash(presented);
        Principal found = null;
        for (Entry entry : entries) {
            // no early exit: every hash is compared
            if (MessageDigest.isEqual(entry.hash(), candidate) && found == null) {
                found = entry.principal();
            }
        }
        return Optional.ofNullable(found);
    }

    private ApiKeys plus(List<String> raw, String defaultTenant, String what) {
        requireTenant(defaultTenant, "default tenant");
        List<Entry> all = new ArrayList<>(entries);
        int position = 0;
        for (String entry : raw) {
            position++;
            String[] parts = COLON.split(entry, -1);
            if (parts.length > 3) {
                throw new ValidationException(what + " " + position + " has more than key:tenant:role");
            }
            String key = parts[0].trim();
            String tenant = parts.length > 1 && !parts[1].isBlank() ? parts[1].trim() : defaultTenant;
            Role role;
            try {
                role = parts.length > 2 ? Role.parse(parts[2]) : Role.USER;
            } catch (IllegalArgumentException e) {
                throw new ValidationException(what + " " + position + ": " + e.getMessage());
            }
            requireKey(key, what + " " + position);
            requireTenant(tenant, what + " " + position);
            all.add(new Entry(hash(key), new Principal(tenant, role)));
        }
        return new ApiKeys(all);
    }

    private static List<String> splitEntries(String text, String separator) {
        List<String> out = new ArrayList<>();
        for (String part : Pattern.compile(Pattern.quote(separator)).split(text, -1)) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        return out;
    }

    private static void requireKey(String key, String what) {
        if (!KEY.matcher(key).matches()) {
            throw new ValidationException(
                    what + ": an API key must be 8-256 characters of letters, digits and _ . ~ + / = -");
        }
    }

    private static void requireTenant(String tenant, String what) {
        if (!TENANT.matcher(tenant).matches()) {
            throw new ValidationException(
                    what + ": tenant '" + tenant + "' must be 1-64 letters, digits, '_', '.' or '-'");
        }
    }

    static byte[] hash(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "ApiKeys[" + entries.size() + " keys]";
    }
}
