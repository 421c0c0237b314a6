package dev.sightline.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * MP-JWT as the alternative to API keys: the server verifies the token (signature, issuer, audience, expiry)
 * with the public key from MP Config (mp.jwt.verify.*); the groups claim gives the roles. Tokens are signed here with the
 * test key pair whose public half the failsafe configuration passes to the server.
 */
class JwtIT extends DeployedEar {
    static final String ISSUER = "https://issuer.sightline.test";

    static PrivateKey testKey() throws Exception {
        try (InputStream in = JwtIT.class.getResourceAsStream("/jwt/test-private-key.pkcs8.b64")) {
            byte[] der = Base64.getDecoder().decode(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        }
    }

    /** An RS256 JWT with the MP-JWT claims. */
    static String token(PrivateKey key, List<String> groups, long expiresInSeconds) throws Exception {
        return token(key, groups, expiresInSeconds, "sightline-api");
    }

    /** A token for the given audience (null: no aud claim). */
    static String token(PrivateKey key, List<String> groups, long expiresInSeconds, String audience) throws Exception {
        long now = System.currentTimeMillis() / 1000;
        Map<String, Object> claims = new java.util.HashMap<>(Map.of("iss", ISSUER, "sub", "user-17", "upn", "ada@example.test", "groups", groups,
                "iat", now - 5, "exp", now + expiresInSeconds, "jti", UUID.randomUUID().toString()));
        if (audience != null) claims.put("aud", audience);
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String head = b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String body = b64.encodeToString(Http.JSON.writeValueAsBytes(claims));
        Signature sig = Signature.getInstance("SHA256withRSA");
        sig.initSign(key);
        sig.update((head + "." + body).getBytes(StandardCharsets.US_ASCII));
        return head + "." + body + "." + b64.encodeToString(sig.sign());
    }

    /** A request with the JWT as its Bearer credential. */
    static int status(String method, String path, String jwt) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(Http.BASE + path)).timeout(Duration.ofMinutes(2)).header("Authorization", "Bearer " + jwt);
        b = method.equals("GET") ? b.GET() : b.header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"max_tokens\": 4, \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}"));
        return Http.CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void aVerifiedTokenWithTheUserRoleIsAccepted() throws Exception {
        String t = token(testKey(), List.of("sightline-user"), 300);
        assertEquals(200, status("GET", "/v1/models", t));
        assertEquals(200, status("POST", "/v1/chat/completions", t));
    }

    @Test
    void theAuditTrailNeedsTheAdminRole() throws Exception {
        assertEquals(403, status("GET", "/api/audit/" + UUID.randomUUID(), token(testKey(), List.of("sightline-user"), 300)));
        assertEquals(200, status("GET", "/api/audit/" + UUID.randomUUID(), token(testKey(), List.of("sightline-user", "sightline-admin"), 300)));
    }

    @Test
    void tokensWithoutTheRoleExpiredOrForgedAreRefused() throws Exception {
        assertEquals(403, status("GET", "/v1/models", token(testKey(), List.of("other"), 300)));
        assertEquals(401, status("GET", "/v1/models", token(testKey(), List.of("sightline-user"), -600)));
        var forger = KeyPairGenerator.getInstance("RSA");
        forger.initialize(2048);
        assertEquals(401, status("GET", "/v1/models", token(forger.generateKeyPair().getPrivate(), List.of("sightline-user"), 300)));
    }

    @Test
    void aTokenForAnotherAudienceOrForNoneIsRefused() throws Exception {
        assertEquals(401, status("GET", "/v1/models", token(testKey(), List.of("sightline-user"), 300, "another-service")));
        assertEquals(401, status("GET", "/v1/models", token(testKey(), List.of("sightline-user"), 300, null)));
        assertEquals(401, status("POST", "/v1/chat/completions", token(testKey(), List.of("sightline-user"), 300, "another-service")));
    }

    @Test
    void apiKeysKeepWorkingBesideJwt() throws Exception {
        assertEquals(200, Http.get("/v1/models").status());
        assertEquals(200, Http.get("/api/audit/" + UUID.randomUUID()).status());
        assertEquals(401, Http.get("/v1/models", "not-a-key").status());
    }
}
