package dev.sightline.gpu.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.aparapi.device.OpenCLDevice;
import dev.sightline.gpu.ComputeBackend;
import dev.sightline.gpu.ComputeBackend.Activation;
import dev.sightline.gpu.CpuBackend;
import dev.sightline.gpu.DType;
import dev.sightline.gpu.Q8_0;
import dev.sightline.gpu.Weights;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every op of the OpenCL backend against the CPU backend on the same inputs. CI installs PoCL, so
 * an OpenCL device must be present: its absence fails the test rather than skipping it.
 */
class OpenClBackendTest {
    static OpenClBackend GPU;
    /** Resident weights, prepared before any op: two Q8_0 matrices in separate device arrays, one float matrix. */
    static Q8_0 Q1, Q2;
    static Weights.Dense PREPARED;
    static final CpuBackend CPU = new CpuBackend(2);
    static final Random RND = new Random(11);
    static final Arena ARENA = Arena.ofShared();

    @BeforeAll
    static void open() {
        List<OpenCLDevice> devices = OpenClBackend.devices();
        assertFalse(devices.isEmpty(), "no OpenCL device: install pocl-opencl-icd and ocl-icd-libopencl1 (scripts/setup.sh)");
        // a 2000-int limit per array puts each 50×128 Q8_0 matrix (1600 ints) in an array of its own
        GPU = new OpenClBackend(devices.getFirst(), 64L << 20, 2000);
        Q1 = Q8_0.quantize(bf16(50, 128));
        Q2 = Q8_0.quantize(bf16(40, 128));
        PREPARED = bf16(30, 64);
        GPU.prepare(List.of(Q1, Q2, PREPARED));
    }

    @AfterAll
    static void close() {
        GPU.close();
        CPU.close();
        ARENA.close();
    }

    static float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) RND.nextGaussian();
        return a;
    }

    static Weights.Dense bf16(int rows, int cols) {
        MemorySegment seg = ARENA.allocate((long) rows * cols * 2);
        for (int i = 0; i < rows * cols; i++) {
            short s = (short) (Float.floatToIntBits((float) RND.nextGaussian()) >>> 16);
            seg.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2L * i, s);
        }
        return new Weights.Dense(DType.BF16, seg, rows, cols);
    }

    static void assertClose(float[] want, float[] got, double tol) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * (1 + Math.abs(want[i])), "element " + i);
        }
    }

    /** Runs op on both backends with fresh copies of the inputs and compares the array it writes. */
    interface Op {
        void apply(ComputeBackend be, float[][] args);
    }

    static void compare(Op op, int resultIndex, double tol, float[]... args) {
        float[][] a = new float[args.length][], b = new float[args.length][];
        for (int i = 0; i < args.length; i++) {
            a[i] = args[i].clone();
            b[i] = args[i].clone();
        }
        op.apply(CPU, a);
        op.apply(GPU, b);
        GPU.toHost(b[resultIndex]);
        assertClose(a[resultIndex], b[resultIndex], tol);
    }

    @Test
    void runsOnOpenClNotTheJavaFallback() {
        long before = GPU.executions();
        float[] y = random(1000), x = random(1000);
        GPU.addInPlace(y, x, 1000);
        GPU.toHost(y);
        assertTrue(GPU.executions() > before, "kernel executions are counted only after isRunningCL() is verified");
        assertTrue(GPU.name().startsWith("opencl("), GPU.name());
    }

    @Test
    void matmulDenseAndQ8MatchCpu() {
        // 200 tokens × 64 rows: large launches, where work-group reductions once went wrong on PoCL
        for (int n : new int[] {1, 3, 9, 200}) {
            Weights.Dense w = bf16(n == 200 ? 64 : 77, 96);
            compare((be, a) -> be.matmul(w, a[2], a[0], n, a[1]), 1, 1e-4, random(n * 96), new float[n * w.rows], random(w.rows));
            compare((be, a) -> be.matmul(w, null, a[0], n, a[1]), 1, 1e-4, random(n * 96), new float[n * w.rows]);
            compare((be, a) -> be.matmul(Q1, null, a[0], n, a[1]), 1, 1e-4, random(n * 128), new float[n * 50]);
            compare((be, a) -> be.matmul(Q2, a[2], a[0], n, a[1]), 1, 1e-4, random(n * 128), new float[n * 40], random(40));
            compare((be, a) -> be.matmul(PREPARED, null, a[0], n, a[1]), 1, 1e-4, random(n * 64), new float[n * 30]);
        }
    }

    @Test
    void attentionCausalAndFull() {
        int heads = 3, hd = 16, width = heads * hd;
        for (boolean causal : new boolean[] {true, false}) {
            int n = 5, start = 4, kv = start + n;
            compare((be, a) -> be.attention(a[0], a[1], a[2], a[3], n, start, kv, heads, hd, 0.25f, causal), 3, 1e-4,
                    random(n * width), random(kv * width), random(kv * width), new float[n * width]);
        }
        // decode: one query against a long cache, more keys than a work-group has items
        compare((be, a) -> be.attention(a[0], a[1], a[2], a[3], 1, 199, 200, heads, hd, 0.25f, true), 3, 1e-4,
                random(width), random(200 * width), random(200 * width), new float[width]);
    }

    @Test
    void normsRotaryActivationsAndCopies() {
        int n = 6, w = 200;
        compare((be, a) -> be.rmsNorm(a[0], a[1], 1e-5f, a[2], n, w), 2, 1e-5, random(n * w), random(w), new float[n * w]);
        compare((be, a) -> be.rmsNorm(a[0], a[1], 1e-5f, a[0], n, w), 0, 1e-5, random(n * w), random(w));
        compare((be, a) -> be.layerNorm(a[0], a[1], a[2], 1e-5f, a[3], n, w), 3, 1e-4, random(n * w), random(w), random(w), new float[n * w]);
        int heads = 4, hd = 10, pos = 20;
        compare((be, a) -> be.rotary(a[0], n, 3, heads, hd, a[1], a[2]), 0, 1e-5, random(n * heads * hd), random(pos * hd / 2), random(pos * hd / 2));
        for (Activation act : Activation.values()) {
            compare((be, a) -> be.activate(act, a[0], 500), 0, 1e-6, random(500));
        }
        compare((be, a) -> be.swiglu(a[0], a[1], n, w), 1, 1e-6, random(n * 2 * w), new float[n * w]);
        compare((be, a) -> be.addInPlace(a[0], a[1], n * w), 0, 0, random(n * w), random(n * w));
        compare((be, a) -> be.copy(a[0], 5, 30, a[1], 2, 12, 4, 10), 1, 0, random(200), random(60));
    }

    @Test
    void residentWeightsSurviveGarbageCollections() {
        float[] x = random(128);
        float[] before = new float[50], after = new float[50];
        GPU.matmul(Q1, null, x, 1, before);
        GPU.toHost(before);
        for (int g = 0; g < 3; g++) {
            byte[][] churn = new byte[2000][];
            for (int j = 0; j < churn.length; j++) churn[j] = new byte[10_000];
            System.gc();
        }
        GPU.matmul(Q1, null, x, 1, after);
        GPU.toHost(after);
        assertClose(before, after, 0);
        assertTrue(Math.abs(after[0]) > 0, "weights still on the device");
    }

    @Test
    void hostWritesAfterUseAreSeenAndResultsStayOnDevice() {
        float[] y = new float[64], x = new float[64];
        java.util.Arrays.fill(x, 1f);
        GPU.addInPlace(y, x, 64);           // y = 1 on the device; the host copy is still 0
        assertEquals(0f, y[0]);
        GPU.toHost(y);
        assertEquals(1f, y[0]);
        java.util.Arrays.fill(x, 2f);
        GPU.fromHost(x);
        GPU.addInPlace(y, x, 64);
        GPU.toHost(y);
        assertEquals(3f, y[63]);
    }

    @Test
    void deviceCopiesOfCollectedArraysAreReused() {
        long before = GPU.deviceBytesInUse();
        for (int i = 0; i < 200; i++) {
            float[] big = new float[1 << 18];   // 1 MiB each; 200 MiB in total would not fit the 64 MiB arena
            GPU.addInPlace(big, big.clone(), big.length);
        }
        assertTrue(GPU.deviceBytesInUse() - before < (64L << 20), "device memory is reclaimed");
    }
}
