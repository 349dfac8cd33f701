package io.meshflow.server;

import static io.meshflow.server.TestServer.KEY_A;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS from PEM files made in the test: HTTPS works, TLS 1.1 and plain HTTP to the TLS port do not. */
class TlsIT {
    @TempDir
    Path dir;

    @Test
    void https_withSelfSignedPemCertificate_works_andPlainHttpToTheTlsPortFails() throws Exception {
        Path p12 = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        "server",
                        "-keyalg",
                        "RSA",
                        "-keysize",
                        "2048",
                        "-dname",
                        "CN=localhost",
                        "-ext",
                        "SAN=ip:127.0.0.1,dns:localhost",
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        p12.toString(),
                        "-storepass",
                        "changeit")
                .redirectErrorStream(true)
                .start();
        String keytoolOut = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(keytoolOut).isZero();

        KeyStore store = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(p12)) {
            store.load(in, "changeit".toCharArray());
        }
        PrivateKey key = (PrivateKey) store.getKey("server", "changeit".toCharArray());
        Certificate cert = store.getCertificate("server");
        Path certPem = dir.resolve("cert.pem");
        Path keyPem = dir.resolve("key.pem");
        Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()));
        Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()));

        try (TestServer t = new TestServer(dir, b -> b.tls(certPem, keyPem))) {
            assertThat(t.server.url()).startsWith("https://127.0.0.1:");

            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("server", cert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            HttpClient https = HttpClient.newBuilder()
                    .sslContext(ssl)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();

            HttpResponse<String> health = https.send(
                    HttpRequest.newBuilder(URI.create(t.server.url() + "/health"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.sslSession())
                    .hasValueSatisfying(s -> assertThat(s.getProtocol()).isIn("TLSv1.2", "TLSv1.3"));
            HttpResponse<String> runs = https.send(
                    HttpRequest.newBuilder(URI.create(t.server.url() + "/runs"))
                            .header("Authorization", "Bearer " + KEY_A)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(runs.statusCode()).isEqualTo(200);

            // TLS 1.1 is refused
            SSLParameters old = new SSLParameters();
            old.setProtocols(new String[] {"TLSv1.1"});
            HttpClient legacy = HttpClient.newBuilder()
                    .sslContext(ssl)
                    .sslParameters(old)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            Throwable refused = catchThrowable(() -> legacy.send(
                    HttpRequest.newBuilder(URI.create(t.server.url() + "/health"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString()));
            assertThat(refused).isInstanceOf(IOException.class);

            // plain HTTP to the TLS port does not get an answer from the API
            String plainUrl = t.server.url().replace("https://", "http://") + "/health";
            Throwable plain = catchThrowable(() -> {
                HttpResponse<String> r = t.http.send(
                        HttpRequest.newBuilder(URI.create(plainUrl))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isNotEqualTo(200);
                assertThat(r.body()).doesNotContain("\"status\"");
            });
            if (plain != null) {
                assertThat(plain).isInstanceOf(IOException.class);
            }
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
