package io.meshflow.server;

import io.meshflow.ValidationException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/** TLS from PEM files: a certificate chain and an unencrypted PKCS#8 private key; TLS 1.2 and 1.3 only. */
final class PemTls {
    private static final Pattern PKCS8 =
            Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private static final char[] PASSWORD = "meshflow".toCharArray();

    private PemTls() {}

    /**
     * The Jetty TLS factory for a certificate and key.
     *
     * @throws ValidationException naming the file that cannot be read or parsed
     */
    static SslContextFactory.Server contextFactory(Path certificate, Path privateKey) {
        KeyStore store = keyStore(certificate, privateKey);
        SslContextFactory.Server factory = new SslContextFactory.Server();
        factory.setKeyStore(store);
        factory.setKeyStorePassword(new String(PASSWORD));
        factory.setIncludeProtocols("TLSv1.3", "TLSv1.2");
        factory.setExcludeProtocols("SSL", "SSLv2", "SSLv3", "TLSv1", "TLSv1.1");
        // clients that connect by IP address send no SNI; the one certificate is served to all
        factory.setSniRequired(false);
        return factory;
    }

    static KeyStore keyStore(Path certificate, Path privateKey) {
        Certificate[] chain = certificates(certificate);
        PrivateKey key = privateKey(privateKey);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("meshflow", key, PASSWORD, chain);
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new ValidationException(
                    "cannot build a key store from " + certificate + " and " + privateKey + ": " + e.getMessage());
        }
    }

    private static Certificate[] certificates(Path file) {
        try {
            byte[] pem = Files.readAllBytes(file);
            Collection<? extends Certificate> certs =
                    CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
            if (certs.isEmpty()) {
                throw new ValidationException("no certificate in " + file + " (expected PEM: BEGIN CERTIFICATE)");
            }
            return certs.toArray(new Certificate[0]);
        } catch (IOException e) {
            throw new ValidationException("cannot read the TLS certificate " + file + ": " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new ValidationException(
                    "cannot parse the TLS certificate " + file + " (expected PEM): " + e.getMessage());
        }
    }

    private static PrivateKey privateKey(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new ValidationException("cannot read the TLS key " + file + ": " + e.getMessage());
        }
        Matcher m = PKCS8.matcher(text);
        if (!m.find()) {
            throw new ValidationException("the TLS key " + file + " is not an unencrypted PKCS#8 PEM key (BEGIN PRIVATE"
                    + " KEY); convert it with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "EdDSA"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new ValidationException("the TLS key " + file + " is neither an RSA, EC nor EdDSA key");
    }
}
