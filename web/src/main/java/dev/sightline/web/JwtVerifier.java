package dev.sightline.web;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import java.security.spec.InvalidKeySpecException;
import java.util.Arrays;
import java.util.Base64;
import java.util.stream.Collectors;

/**
 * MP-JWT bearer tokens as an alternative to API keys, configured with the MicroProfile JWT keys:
 * {@code mp.jwt.verify.publickey} (PEM, base64 DER or JWK/JWKS JSON) or
 * {@code mp.jwt.verify.publickey.location} (file path, or classpath resource without a leading
 * slash), and {@code mp.jwt.verify.issuer}. Signature (RS/PS/ES 256–512), issuer and expiry are
 * checked by Nimbus JOSE+JWT; roles are the {@code groups} claim.
 *
 * <p>Why not Payara's own MP-JWT mechanism ({@code @LoginConfig}): it answers 401 to every Bearer
 * value that is not a JWT, which would lock out API keys on the same header (measured).
 */
@ApplicationScoped
public class JwtVerifier {
    private static final Logger LOG = Logger.getLogger(JwtVerifier.class.getName());

    @Inject
    @ConfigProperty(name = "mp.jwt.verify.publickey")
    Optional<String> publicKey;

    @Inject
    @ConfigProperty(name = "mp.jwt.verify.publickey.location")
    Optional<String> publicKeyLocation;

    @Inject
    @ConfigProperty(name = "mp.jwt.verify.issuer")
    Optional<String> issuer;

    /** Accepted {@code aud} values (comma-separated); when set, a token must name one of them. */
    @Inject
    @ConfigProperty(name = "mp.jwt.verify.audiences")
    Optional<String> audiences;

    /** A verified token: its subject (or "unknown") and its groups. */
    record Token(String subject, List<String> groups) {}

    private DefaultJWTProcessor<SecurityContext> processor;

    @PostConstruct
    void init() {
        Optional<String> key = publicKey.filter(s -> !s.isBlank()).or(() -> publicKeyLocation.filter(s -> !s.isBlank()).map(JwtVerifier::read));
        if (key.isEmpty()) return;
        if (issuer.filter(s -> !s.isBlank()).isEmpty()) {
            throw new IllegalStateException("mp.jwt.verify.publickey is set but mp.jwt.verify.issuer is not: refusing tokens from any issuer");
        }
        JWKSet keys = keys(key.get().trim());
        processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
                JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512),
                new ImmutableJWKSet<>(keys)));
        Set<String> aud = audiences.stream().flatMap(a -> Arrays.stream(a.split(","))).map(String::trim)
                .filter(a -> !a.isEmpty()).collect(Collectors.toSet());
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(aud.isEmpty() ? null : aud,
                new JWTClaimsSet.Builder().issuer(issuer.get()).build(), aud.isEmpty() ? Set.of("exp", "iat") : Set.of("exp", "iat", "aud"), null));
        if (aud.isEmpty()) LOG.warning("mp.jwt.verify.audiences is not set: tokens issued for any audience of this issuer are accepted");
        LOG.info(() -> "MP-JWT bearer tokens accepted from issuer " + issuer.get() + " (" + keys.size() + " key(s))");
    }

    boolean enabled() {
        return processor != null;
    }

    /** The verified token, or empty when it does not verify (bad signature, issuer, audience, expired, not a JWT). */
    Optional<Token> verify(String token) {
        try {
            JWTClaimsSet claims = processor.process(token, null);
            List<String> groups = claims.getStringListClaim("groups");
            String subject = claims.getSubject();
            return Optional.of(new Token(subject == null || subject.isBlank() ? "unknown" : subject, groups == null ? List.of() : groups));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private static String read(String location) {
        try {
            Path p = Path.of(location.startsWith("file:") ? location.substring(5) : location);
            if (Files.isRegularFile(p)) return Files.readString(p);
            try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(location)) {
                if (in == null) throw new IllegalStateException("mp.jwt.verify.publickey.location: no file or resource " + location);
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new IllegalStateException("mp.jwt.verify.publickey.location " + location + ": " + e.getMessage(), e);
        }
    }

    /** A JWK Set, one JWK, or a PEM/base64 X.509 public key (RSA or EC). */
    static JWKSet keys(String text) {
        try {
            if (text.startsWith("{")) return text.contains("\"keys\"") ? JWKSet.parse(text) : new JWKSet(JWK.parse(text));
            String b64 = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            byte[] der = Base64.getDecoder().decode(b64);
            PublicKey k;
            try {
                k = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
            } catch (InvalidKeySpecException notRsa) {
                k = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der));
            }
            JWK jwk = k instanceof RSAPublicKey rsa ? new RSAKey.Builder(rsa).build()
                    : new ECKey.Builder(com.nimbusds.jose.jwk.Curve.forECParameterSpec(((ECPublicKey) k).getParams()), (ECPublicKey) k).build();
            return new JWKSet(jwk);
        } catch (Exception e) {
            throw new IllegalStateException("mp.jwt.verify.publickey is not a PEM/base64 public key or a JWK: " + e.getMessage(), e);
        }
    }
}
