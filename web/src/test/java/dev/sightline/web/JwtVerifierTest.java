package dev.sightline.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.jwk.JWKSet;
import java.security.KeyPairGenerator;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The public-key forms mp.jwt.verify.publickey accepts. */
class JwtVerifierTest {
    static String pem(byte[] der) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der) + "\n-----END PUBLIC KEY-----\n";
    }

    @Test
    void pemBase64AndJwkForms() throws Exception {
        var rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        byte[] rsaDer = rsa.generateKeyPair().getPublic().getEncoded();
        assertEquals("RSA", JwtVerifier.keys(pem(rsaDer)).getKeys().getFirst().getKeyType().getValue());
        assertEquals("RSA", JwtVerifier.keys(Base64.getEncoder().encodeToString(rsaDer)).getKeys().getFirst().getKeyType().getValue());
        var ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(256);
        JWKSet ecKeys = JwtVerifier.keys(pem(ec.generateKeyPair().getPublic().getEncoded()));
        assertEquals("EC", ecKeys.getKeys().getFirst().getKeyType().getValue());
        String jwk = ecKeys.getKeys().getFirst().toJSONString();
        assertEquals(1, JwtVerifier.keys(jwk).size());
        assertEquals(1, JwtVerifier.keys("{\"keys\": [" + jwk + "]}").size());
    }

    @Test
    void garbageIsAClearStartupError() {
        var e = assertThrows(IllegalStateException.class, () -> JwtVerifier.keys("not a key"));
        assertEquals(true, e.getMessage().startsWith("mp.jwt.verify.publickey"));
    }
}
