package io.meshflow.hitl;

import io.meshflow.ValidationException;
import java.net.URI;

/**
 * Where approvers are told about a pause, and the secret its requests are signed with (HMAC-SHA256; see
 * {@link HitlNotifier}).
 *
 * @param url an {@code http} or {@code https} URL
 * @param secret the shared secret, at least 16 characters
 */
public record Webhook(URI url, String secret) {
    /** Validates the fields. */
    public Webhook {
        String scheme = url.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
            throw new ValidationException("webhook_url must be an http or https URL with a host, got '" + url + "'");
        }
        if (secret.length() < 16) {
            throw new ValidationException("webhook_secret must be at least 16 characters (it signs the requests)");
        }
    }

    /** Never shows the secret. */
    @Override
    public String toString() {
        return "Webhook[url=" + url + ", secret=***]";
    }
}
