package dev.sightline.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {
    @TempDir
    Path dir;

    private ApiKeys keys(Optional<String> user, Path file) {
        ApiKeys k = new ApiKeys();
        k.configured = user;
        k.configuredAdmin = Optional.empty();
        k.keyFile = Optional.of(file.toString());
        k.init();
        return k;
    }

    @Test
    void aGeneratedKeySurvivesARestartInAnOwnerOnlyFile() throws Exception {
        Path file = dir.resolve("config/sightline-api-key");
        keys(Optional.empty(), file);
        String key = Files.readString(file).trim();
        assertTrue(key.matches("sl-[0-9a-f]{48}"), key);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        ApiKeys restarted = keys(Optional.empty(), file);
        assertTrue(restarted.lookup(key).orElseThrow().admin(), "the kept key is still an admin key after a restart");
        assertFalse(restarted.lookup(key + "x").isPresent());
    }

    @Test
    void configuredKeysWinAndNothingIsWritten() {
        Path file = dir.resolve("sightline-api-key");
        ApiKeys k = keys(Optional.of("user-1"), file);
        assertFalse(Files.exists(file));
        assertFalse(k.lookup("user-1").orElseThrow().admin());
    }

    @Test
    void aFileThatHoldsSomethingElseIsReplaced() throws Exception {
        Path file = dir.resolve("sightline-api-key");
        Files.writeString(file, "hunter2");
        keys(Optional.empty(), file);
        String key = Files.readString(file).trim();
        assertNotEquals("hunter2", key);
        assertTrue(key.startsWith("sl-"));
    }
}
