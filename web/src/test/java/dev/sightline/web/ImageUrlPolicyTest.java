package dev.sightline.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ImageUrlPolicyTest {
    static final ImageUrlPolicy P = new ImageUrlPolicy("https://img.example.com/photos/, http://cdn.example.org:8080", false);

    @ParameterizedTest
    @ValueSource(strings = {"https://img.example.com/photos/a.png", "https://IMG.example.com/photos/x/y.jpg", "https://img.example.com:443/photos/a.png",
        "https://img.example.com/photos/./a.png", "http://cdn.example.org:8080/any/path.png"})
    void admitted(String url) {
        assertTrue(P.admit(url).isPresent(), url);
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://img.example.com.evil.tld/photos/a.png", "https://img.example.com:8443/photos/a.png",
        "http://img.example.com/photos/a.png", "https://img.example.com/photosecret/a.png", "https://img.example.com/photos/../admin.png",
        "https://img.example.com/other/a.png", "https://user@img.example.com/photos/a.png", "https://img.example.com/photos/a.png#x",
        "http://cdn.example.org/any.png", "http://cdn.example.org:80800/x.png", "ftp://img.example.com/photos/a.png", "https:img.example.com/photos/a.png",
        "https://evil.tld/https://img.example.com/photos/a.png", "not a url", "https://img.example.com%2eevil.tld/photos/a.png"})
    void refused(String url) {
        assertFalse(P.admit(url).isPresent(), url);
    }

    @Test
    void internalAddressesAreRefusedUnlessAllowed() throws Exception {
        for (String a : new String[] {"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fd00::1", "fe80::1"}) {
            assertTrue(ImageUrlPolicy.internal(InetAddress.getByName(a)), a);
        }
        for (String a : new String[] {"93.184.216.34", "8.8.8.8", "2606:4700::1111"}) assertFalse(ImageUrlPolicy.internal(InetAddress.getByName(a)), a);
        assertTrue(P.addressProblem("127.0.0.1").isPresent());
        assertTrue(P.addressProblem("localhost").isPresent());
        assertEquals(java.util.Optional.empty(), new ImageUrlPolicy("", true).addressProblem("127.0.0.1"));
    }
}
