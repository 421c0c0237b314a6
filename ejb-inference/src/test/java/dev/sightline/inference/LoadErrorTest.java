package dev.sightline.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What /health/ready, /api/status and 503 answers say of a failed load: no file-system paths. */
class LoadErrorTest {
    @Test
    void pathsAreReplaced() {
        assertEquals("<path>: not a safetensors file or truncated (header length 9, file 3 bytes)",
                InferenceService.withoutPaths("/home/ops/models/Phi-3.5-vision-instruct/model-00001-of-00002.safetensors: not a safetensors file or truncated (header length 9, file 3 bytes)"));
        assertEquals("cannot read <path> (<path>)", InferenceService.withoutPaths("cannot read /srv/m/config.json (C:\\models\\x.json)"));
        assertEquals("quantize=q8_0 keeps 4.19 GB of weights", InferenceService.withoutPaths("quantize=q8_0 keeps 4.19 GB of weights"));
    }
}
