package dev.sightline.engine.serve;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sightline.engine.Engine;
import dev.sightline.engine.Golden;
import dev.sightline.gpu.opencl.OpenClBackend;
import org.junit.jupiter.api.Test;

/** Continuous batching on the OpenCL backend (PoCL in CI): the golden cases batched together answer as they do alone. */
class BatchedOpenClTest {
    @Test
    void everyGoldenCaseBatchedTogetherMatchesItsUnbatchedRun() throws Exception {
        var devices = OpenClBackend.devices();
        assertFalse(devices.isEmpty(), "no OpenCL device: scripts/setup.sh installs PoCL (pocl-opencl-icd)");
        try (OpenClBackend be = new OpenClBackend(devices.getFirst(), 256L << 20); Engine engine = Engine.load(Golden.model(), be)) {
            long before = be.executions();
            BatchSchedulerTest.batchedMatchesAlone(engine);
            assertTrue(be.executions() > before, "the batched steps ran OpenCL kernels");
        }
    }
}
