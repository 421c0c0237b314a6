package dev.sightline.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sightline.gpu.CpuBackend;
import dev.sightline.gpu.Quantization;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadProgressTest {
    @Test
    void everyDecoderLayerIsReportedInOrder() {
        List<String> seen = new ArrayList<>();
        try (CpuBackend be = new CpuBackend();
             Engine e = Engine.load(Golden.model(), be, Quantization.Q8_0, null, (done, total) -> seen.add(done + "/" + total))) {
            int n = e.config().numLayers();
            List<String> expected = new ArrayList<>();
            for (int i = 1; i <= n; i++) expected.add(i + "/" + n);
            assertEquals(expected, seen);
        }
    }
}
