package dev.sightline.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sightline.gpu.ComputeBackend;
import dev.sightline.gpu.opencl.OpenClBackend;

/**
 * The golden acceptance cases on the OpenCL backend (PoCL in CI), with the same tolerances as the
 * CPU backend. Every case must have executed kernels on OpenCL: the backend counts an execution
 * only after Aparapi reports {@code isRunningCL()}, and throws when Aparapi fell back to Java.
 */
class GoldenConformanceOpenClTest extends GoldenConformanceTest {
    private long executionsBefore;

    @Override
    ComputeBackend newBackend() {
        var devices = OpenClBackend.devices();
        assertFalse(devices.isEmpty(), "no OpenCL device: scripts/setup.sh installs PoCL (pocl-opencl-icd)");
        OpenClBackend be = new OpenClBackend(devices.getFirst(), 256L << 20);
        assertTrue(be.name().startsWith("opencl("), be.name());
        return be;
    }

    @Override
    void afterCase() {
        long now = ((OpenClBackend) backend).executions();
        assertTrue(now > executionsBefore, "the case ran no OpenCL kernels");
        executionsBefore = now;
    }
}
