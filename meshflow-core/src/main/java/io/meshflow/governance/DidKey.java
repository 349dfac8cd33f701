package io.meshflow.governance;

import io.meshflow.ValidationException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * {@code did:key} identifiers for Ed25519 public keys, and verification of signatures made with them.
 *
 * <p>The identifier is {@code "did:key:z"} followed by the base58btc encoding of the multicodec prefix for an Ed25519
 * public key ({@code 0xed 0x01}) and the key's 32 raw bytes, as the did:key method specifies; such identifiers start
 * with {@code did:key:z6Mk}. The identifier is the key: anyone can verify a signature from it alone.
 */
public final class DidKey {
    /** What every Ed25519 {@code did:key} starts with. */
    public static final String PREFIX = "did:key:z";

    private static final byte[] MULTICODEC_ED25519 = {(byte) 0xed, 0x01};
    /** The X.509 SubjectPublicKeyInfo header of an Ed25519 key (RFC 8410), before its 32 raw bytes. */
    private static final byte[] X509_HEADER = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    private DidKey() {}

    /**
     * The {@code did:key} of an Ed25519 public key.
     *
     * @throws ValidationException when the key is not an Ed25519 key
     */
    public static String of(PublicKey key) {
        byte[] encoded = key.getEncoded();
        if (encoded == null
                || encoded.length != X509_HEADER.length + 32
                || !Arrays.equals(Arrays.copyOf(encoded, X509_HEADER.length), X509_HEADER)) {
            throw new ValidationException("a did:key needs an Ed25519 public key, got " + key.getAlgorithm());
        }
        byte[] multikey = new byte[34];
        System.arraycopy(MULTICODEC_ED25519, 0, multikey, 0, 2);
        System.arraycopy(encoded, X509_HEADER.length, multikey, 2, 32);
        return PREFIX + Base58.encode(multikey);
    }

    /**
     * The Ed25519 public key a {@code did:key} names.
     *
     * @throws ValidationException when the text is not an Ed25519 {@code did:key}
     */
    public static PublicKey publicKey(String did) {
        if (!did.startsWith(PREFIX)) {
            throw new ValidationException("'" + did + "' is not a did:key (it must start with " + PREFIX + ")");
        }
        byte[] multikey;
        try {
            multikey = Base58.decode(did.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new ValidationException("'" + did + "' is not a did:key: " + e.getMessage());
        }
        if (multikey.length != 34 || multikey[0] != MULTICODEC_ED25519[0] || multikey[1] != MULTICODEC_ED25519[1]) {
            throw new ValidationException("'" + did + "' is not an Ed25519 did:key (multicodec 0xed01, 32 bytes)");
        }
        byte[] x509 = new byte[X509_HEADER.length + 32];
        System.arraycopy(X509_HEADER, 0, x509, 0, X509_HEADER.length);
        System.arraycopy(multikey, 2, x509, X509_HEADER.length, 32);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(x509));
        } catch (GeneralSecurityException e) {
            throw new ValidationException("'" + did + "' does not hold a valid Ed25519 key: " + e.getMessage());
        }
    }

    /**
     * Whether {@code signature} (base64url) is a valid Ed25519 signature of {@code message} by the key {@code did}
     * names; false for a malformed identifier or signature.
     */
    public static boolean verify(String did, byte[] message, String signature) {
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(publicKey(did));
            verifier.update(message);
            return verifier.verify(Base64.getUrlDecoder().decode(signature));
        } catch (GeneralSecurityException | IllegalArgumentException | ValidationException e) {
            return false;
        }
    }
}
