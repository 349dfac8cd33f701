package io.meshflow.tools.builtin;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The SSRF guard of the network tools: a URL may only be fetched when every address its host resolves to is a public
 * one, unless the host is on the allowlist. Checked before each request, including every redirect.
 */
final class NetworkGuard {
    private final Set<String> allowedHosts;

    NetworkGuard(Set<String> allowedHosts) {
        this.allowedHosts = allowedHosts;
    }

    /**
     * Checks a URL.
     *
     * @throws Refusal when the scheme is not HTTP(S), the host is missing or cannot be resolved, or an address it
     *     resolves to is not public and the host is not allowed
     */
    void check(URI uri) throws Refusal {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new Refusal("refused: only http and https URLs can be fetched, not '" + uri + "'");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new Refusal("refused: the URL '" + uri + "' has no host");
        }
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (isAllowed(bare, uri.getPort())) {
            return;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(bare);
        } catch (UnknownHostException e) {
            throw new Refusal("cannot resolve host '" + bare + "'");
        }
        for (InetAddress address : addresses) {
            String kind = blockedKind(address);
            if (kind != null) {
                throw new Refusal("refused: " + bare + " resolves to " + address.getHostAddress() + ", a " + kind
                        + " address; network tools do not reach private, loopback, link-local or cloud-metadata"
                        + " addresses. To allow this host, add it to " + BuiltinTools.ALLOWED_HOSTS_VARIABLE
                        + " (comma-separated host names or IPs) or BuiltinTools.builder().allowHosts(..)");
            }
        }
    }

    private boolean isAllowed(String host, int port) {
        String lower = host.toLowerCase(Locale.ROOT);
        return allowedHosts.contains(lower) || (port >= 0 && allowedHosts.contains(lower + ":" + port));
    }

    /** Why an address may not be reached, or null for a public one. */
    static @Nullable String blockedKind(InetAddress address) {
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            return blockedIpv4(b);
        }
        if (address instanceof Inet6Address) {
            if (address.isLoopbackAddress()) {
                return "loopback";
            }
            if (address.isAnyLocalAddress()) {
                return "unspecified";
            }
            if (address.isLinkLocalAddress()) {
                return "link-local";
            }
            if (address.isSiteLocalAddress()) {
                return "site-local";
            }
            if (address.isMulticastAddress()) {
                return "multicast";
            }
            if ((b[0] & 0xfe) == 0xfc) {
                return isAwsMetadataV6(b) ? "cloud metadata" : "unique local (ULA)";
            }
            // IPv4 embedded in IPv6: IPv4-compatible ::a.b.c.d, IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d
            boolean zeroPrefix = true;
            for (int i = 0; i < 10; i++) {
                zeroPrefix &= b[i] == 0;
            }
            boolean mapped =
                    zeroPrefix && ((b[10] == 0 && b[11] == 0) || (b[10] == (byte) 0xff && b[11] == (byte) 0xff));
            boolean nat64 = b[0] == 0 && b[1] == 0x64 && b[2] == (byte) 0xff && b[3] == (byte) 0x9b;
            if (mapped || nat64) {
                return blockedIpv4(new byte[] {b[12], b[13], b[14], b[15]});
            }
            return null;
        }
        return "unknown kind of";
    }

    private static boolean isAwsMetadataV6(byte[] b) {
        // fd00:ec2::254
        return (b[0] & 0xff) == 0xfd
                && b[1] == 0
                && (b[2] & 0xff) == 0x0e
                && (b[3] & 0xff) == 0xc2
                && (b[15] & 0xff) == 0x54
                && b[14] == 0x02;
    }

    private static @Nullable String blockedIpv4(byte[] b) {
        int a0 = b[0] & 0xff;
        int a1 = b[1] & 0xff;
        int a2 = b[2] & 0xff;
        int a3 = b[3] & 0xff;
        if (a0 == 169 && a1 == 254 && a2 == 169 && a3 == 254) {
            return "cloud metadata";
        }
        if (a0 == 127) {
            return "loopback";
        }
        if (a0 == 0) {
            return "unspecified";
        }
        if (a0 == 10 || (a0 == 172 && a1 >= 16 && a1 <= 31) || (a0 == 192 && a1 == 168)) {
            return "private";
        }
        if (a0 == 169 && a1 == 254) {
            return "link-local";
        }
        if (a0 == 100 && a1 >= 64 && a1 <= 127) {
            return "carrier-grade NAT (CGNAT)";
        }
        if (a0 == 192 && a1 == 0 && a2 == 0) {
            return "IETF protocol assignment";
        }
        if (a0 == 198 && (a1 == 18 || a1 == 19)) {
            return "benchmarking";
        }
        if (a0 >= 224 && a0 <= 239) {
            return "multicast";
        }
        if (a0 >= 240) {
            return "reserved";
        }
        return null;
    }
}
