package dev.sightline.gpu.opencl;

import com.aparapi.Range;
import com.aparapi.device.Device;
import com.aparapi.device.OpenCLDevice;
import dev.sightline.gpu.ComputeBackend;
import dev.sightline.gpu.Q8_0;
import dev.sightline.gpu.Weights;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * OpenCL backend through Aparapi. Weights are uploaded once ({@link #prepare}) and stay resident;
 * activations live on the device between ops: a host array handed to an op gets a device copy the
 * first time it is seen, ops write their outputs on the device only, and data comes back only when
 * the model asks for it ({@link #toHost}, i.e. the logits and the image features).
 *
 * <p>Float weights (bf16/f16 converted at upload: Aparapi cannot translate
 * {@code Float.intBitsToFloat}) live in the float arena; Q8_0 weights in an int array of packed
 * bytes with their scales in the float arena. Device copies of activation arrays are released
 * when the Java array is garbage collected.
 *
 * <p>Every execution is checked with {@code isRunningCL()}: Aparapi's habit of silently running a
 * kernel on its Java thread pool when OpenCL fails becomes an exception here.
 */
public final class OpenClBackend implements ComputeBackend {
    private static final Logger LOG = Logger.getLogger(OpenClBackend.class.getName());
    /** Work-group size (the kernels use no local memory, so this only shapes scheduling). */
    private static final int LOCAL = 64;
    private static final int CHUNK = ModelKernel.STAGE2;
    /**
     * Largest device array in elements: Aparapi's JNI layer sizes buffers in 32-bit bytes, so an
     * array of 2 GiB or more fails in clCreateBuffer. The float arena and the Q8_0 array are each
     * bounded by this (see docs/benchmarks.md on what that means for the full model).
     */
    static final long MAX_ELEMENTS = (Integer.MAX_VALUE / 4) - 1024;
    /**
     * Smallest host array behind device-resident data (48 MiB of elements). When the GC moves a
     * Java array between executions, Aparapi re-creates its device buffer without copying in
     * explicit mode (measured: a moved Q8_0 array read as zeros under ParallelGC). G1 never moves
     * humongous objects (larger than half a region, regions are at most 32 MiB), so these arrays
     * are made humongous and the backend insists on G1.
     */
    static final int MIN_RESIDENT_ELEMENTS = 12 << 20;

    private final OpenCLDevice device;
    private final long activationFloats;
    private final long maxElements;
    private final ModelKernel k = new ModelKernel();
    private Arena mem;
    private Arena wmem;
    private final List<Arena> q8 = new ArrayList<>();
    /** Where each resident matrix lives. */
    private record Placement(int array, long offset, long scales) {
        static final int MEM = -1, WMEM = 0; // 1…4: the Q8_0 arrays
    }
    private final Map<Weights, Placement> resident = new IdentityHashMap<>();
    private final Map<Integer, List<HostRef>> hostArrays = new HashMap<>();
    private final ReferenceQueue<float[]> collected = new ReferenceQueue<>();
    private long executions;

    /** A host array's device copy. */
    private static final class HostRef extends WeakReference<float[]> {
        final int hash;
        final long offset;
        final int length;
        boolean deviceNewer;
        boolean hostNewer;

        HostRef(float[] a, long offset, ReferenceQueue<float[]> q) {
            super(a, q);
            this.hash = System.identityHashCode(a);
            this.offset = offset;
            this.length = a.length;
        }
    }

    /**
     * @param device           the OpenCL device
     * @param activationBytes  device memory for activations and KV caches, on top of the weights
     */
    public OpenClBackend(OpenCLDevice device, long activationBytes) {
        this(device, activationBytes, MAX_ELEMENTS);
    }

    /** With a smaller per-array limit, so that tests can exercise weights spread over several arrays. */
    OpenClBackend(OpenCLDevice device, long activationBytes, long maxArrayElements) {
        this.maxElements = maxArrayElements;
        this.device = device;
        requireG1();
        this.activationFloats = activationBytes / 4;
        // Device buffers are copies, never the Java arrays themselves (CL_MEM_USE_HOST_PTR): the GC
        // may move a small array between two executions, and the device must not follow a stale
        // address. Transfers happen only through explicit put/get of the staging arrays.
        device.setSharedMemory(false);
        k.setExplicit(true);
        k.wmem = new float[1];
        k.q8a = new int[1];
        k.q8b = new int[1];
        k.q8c = new int[1];
        k.q8d = new int[1];
    }

    private static void requireG1() {
        boolean g1 = java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .anyMatch(b -> b.getName().startsWith("G1"));
        if (!g1) {
            throw new IllegalStateException("the OpenCL backend needs the G1 garbage collector (the JVM default;"
                    + " remove -XX:+UseParallelGC/-XX:+UseSerialGC): other collectors move the arrays Aparapi's device buffers mirror");
        }
    }

    /** The OpenCL devices Aparapi sees, GPUs first. */
    public static List<OpenCLDevice> devices() {
        List<OpenCLDevice> all = new ArrayList<>();
        try {
            all.addAll(OpenCLDevice.listDevices(Device.TYPE.GPU));
            all.addAll(OpenCLDevice.listDevices(Device.TYPE.ACC));
            all.addAll(OpenCLDevice.listDevices(Device.TYPE.CPU));
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            LOG.warning(() -> "OpenCL is not usable: " + e);
        }
        return all;
    }

    @Override
    public String name() {
        return "opencl(" + device.getName().trim() + ", " + device.getType() + ")";
    }

    public OpenCLDevice device() {
        return device;
    }

    /** Kernel executions so far, each of them verified to have run on OpenCL. */
    public synchronized long executions() {
        return executions;
    }

    /** Bytes of device memory in use by weights and live activations. */
    public synchronized long deviceBytesInUse() {
        long used = (mem == null ? 0 : mem.used()) + (wmem == null ? 0 : wmem.used());
        for (Arena a : q8) used += a.used();
        return 4 * used;
    }

    // ---------------------------------------------------------------- memory

    /**
     * Makes every matrix resident in one pass: float matrices in {@code wmem}, Q8_0 matrices packed
     * into up to four int arrays (each under Aparapi's 2 GiB), their scales and everything else in
     * {@code mem}. Call once, before the first op.
     */
    @Override
    public synchronized void prepare(Collection<? extends Weights> weights) {
        if (mem != null) throw new IllegalStateException("prepare must come before the first op");
        List<Weights> todo = weights.stream().<Weights>map(w -> w).distinct().filter(w -> !resident.containsKey(w)).toList();
        long scaleFloats = 0, denseFloats = 0;
        List<Long> q8Words = new ArrayList<>();
        long current = 0;
        for (Weights w : todo) {
            if (w instanceof Q8_0 q) {
                scaleFloats += Arena.ALIGN + q.scaleArray().length;
                long words = ((long) q.rows * q.cols + 3) / 4 + Arena.ALIGN;
                if (q8Words.isEmpty() || current + words > maxElements) {
                    if (q8Words.size() == 4) throw new IllegalStateException("Q8_0 weights exceed four 2 GiB device arrays");
                    q8Words.add(0L);
                    current = 0;
                }
                current += words;
                q8Words.set(q8Words.size() - 1, current);
            } else {
                denseFloats += Arena.ALIGN + (long) w.rows * w.cols;
            }
        }
        if (denseFloats > maxElements) {
            throw new IllegalStateException(String.format("float weights need %d MiB, more than one Aparapi device array holds"
                    + " (2 GiB): quantize the decoder (q8_0) for the OpenCL backend", denseFloats * 4 / (1 << 20)));
        }
        allocateMem(scaleFloats + activationFloats);
        if (denseFloats > 0) {
            int length = (int) Math.max(denseFloats, MIN_RESIDENT_ELEMENTS);
            wmem = new Arena(denseFloats);
            k.wmem = new float[length];
            k.put(k.wmem);
        }
        for (long words : q8Words) {
            q8.add(new Arena(words));
            int[] array = new int[(int) Math.max(words, MIN_RESIDENT_ELEMENTS)];
            switch (q8.size()) {
                case 1 -> k.q8a = array;
                case 2 -> k.q8b = array;
                case 3 -> k.q8c = array;
                default -> k.q8d = array;
            }
        }
        // Pack every Q8_0 matrix before the first execution: Aparapi copies an array that a field
        // newly points to at the next execution, and an explicit put after that was not honoured.
        List<Runnable> scaleUploads = new ArrayList<>();
        for (Weights w : todo) {
            if (w instanceof Q8_0 q) scaleUploads.add(placeQ8(q));
        }
        for (int i = 0; i < q8.size(); i++) k.put(q8Array(i + 1));
        scaleUploads.forEach(Runnable::run);
        for (Weights w : todo) {
            if (!(w instanceof Q8_0)) upload(w);
        }
        LOG.info(() -> String.format("%s: %d matrices resident, %.1f MiB of device memory", name(), resident.size(),
                deviceBytesInUse() / 1048576.0));
    }

    private int[] q8Array(int array) {
        return switch (array) {
            case 1 -> k.q8a;
            case 2 -> k.q8b;
            case 3 -> k.q8c;
            default -> k.q8d;
        };
    }

    private void allocateMem(long floats) {
        if (floats > Math.max(maxElements, MAX_ELEMENTS)) {
            throw new IllegalStateException(String.format("float weights and activations need %d MiB, more than one Aparapi"
                    + " device array holds (2 GiB): quantize the decoder (q8_0) or lower the OpenCL activation memory",
                    floats * 4 / (1 << 20)));
        }
        int length = (int) Math.max(floats, MIN_RESIDENT_ELEMENTS);
        mem = new Arena(length);
        k.mem = new float[length];
        k.put(k.mem);
    }

    private void ensureMem() {
        if (mem == null) allocateMem(activationFloats);
    }

    /** Packs a Q8_0 matrix into the first array with room; returns the upload of its scales (run later). */
    private Runnable placeQ8(Q8_0 q) {
        long words = ((long) q.rows * q.cols + 3) / 4;
        for (int i = 0; i < q8.size(); i++) {
            long at = q8.get(i).allocate(words);
            if (at >= 0) {
                int array = i + 1;
                q.packInts(q8Array(array), (int) at);
                return () -> resident.put(q, new Placement(array, at * 4, uploadFloats(q.scaleArray())));
            }
        }
        throw new IllegalStateException("no room for a Q8_0 matrix of " + q.rows + "×" + q.cols);
    }

    /** Makes one float matrix resident: in wmem when prepared, else in mem. */
    private void upload(Weights w) {
        ensureMem();
        if (w instanceof Q8_0) throw new IllegalStateException("Q8_0 weights must be prepared before use");
        long total = (long) w.rows * w.cols;
        boolean inWmem = wmem != null;
        long at = inWmem ? wmem.allocate(total) : -1;
        if (at < 0) {
            inWmem = false;
            at = allocate(total);
        }
        float[] row = new float[w.cols];
        int rowsPerChunk = Math.max(1, CHUNK / w.cols);
        for (int r0 = 0; r0 < w.rows; r0 += rowsPerChunk) {
            int r1 = Math.min(w.rows, r0 + rowsPerChunk);
            float[] chunk = new float[(r1 - r0) * w.cols];
            for (int r = r0; r < r1; r++) {
                w.rowToFloat(r, row);
                System.arraycopy(row, 0, chunk, (r - r0) * w.cols, w.cols);
            }
            transferIn(chunk, at + (long) r0 * w.cols, inWmem ? ModelKernel.UPLOAD_W : ModelKernel.UPLOAD);
        }
        resident.put(w, new Placement(inWmem ? Placement.WMEM : Placement.MEM, at, -1));
    }

    private long uploadFloats(float[] data) {
        long at = allocate(data.length);
        transferIn(data, at);
        return at;
    }

    private long allocate(long floats) {
        long at = mem.allocate(floats);
        if (at < 0) {
            reclaim();
            at = mem.allocate(floats);
        }
        for (int attempt = 0; at < 0 && attempt < 3; attempt++) {
            // Device copies of dropped activation arrays are freed once the GC has cleared them.
            System.gc();
            try {
                var r = collected.remove(100);
                if (r != null) free((HostRef) r);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            reclaim();
            at = mem.allocate(floats);
        }
        if (at < 0) {
            throw new IllegalStateException(String.format("OpenCL device memory exhausted: %d floats wanted, %d of %d in use"
                    + " (raise sightline.opencl.activation-mb)", floats, mem.used(), mem.capacity()));
        }
        return at;
    }

    private void reclaim() {
        for (var r = collected.poll(); r != null; r = collected.poll()) free((HostRef) r);
    }

    private void free(HostRef ref) {
        List<HostRef> list = hostArrays.get(ref.hash);
        if (list != null && list.remove(ref)) {
            if (list.isEmpty()) hostArrays.remove(ref.hash);
            mem.release(ref.offset, ref.length);
        }
    }

    private HostRef find(float[] a) {
        List<HostRef> list = hostArrays.get(System.identityHashCode(a));
        if (list != null) {
            for (HostRef r : list) if (r.get() == a) return r;
        }
        return null;
    }

    /** Device offset of an array the op reads: uploaded the first time and after host writes. */
    private int in(float[] a) {
        HostRef r = find(a);
        if (r == null) {
            r = register(a);
            transferIn(a, r.offset);
        } else if (r.hostNewer) {
            transferIn(a, r.offset);
            r.hostNewer = false;
        }
        return (int) r.offset;
    }

    /** Device offset of an array the op overwrites entirely (no upload needed). */
    private int out(float[] a) {
        HostRef r = find(a);
        if (r == null) r = register(a);
        r.deviceNewer = true;
        r.hostNewer = false;
        return (int) r.offset;
    }

    /** Device offset of an array the op reads and then updates. */
    private int inOut(float[] a) {
        int off = in(a);
        find(a).deviceNewer = true;
        return off;
    }

    private HostRef register(float[] a) {
        ensureMem();
        reclaim();
        HostRef r = new HostRef(a, allocate(a.length), collected);
        hostArrays.computeIfAbsent(r.hash, h -> new ArrayList<>(1)).add(r);
        return r;
    }

    /** Host data → device range, in chunks through the smallest staging array that fits. */
    private void transferIn(float[] a, long at) {
        transferIn(a, at, ModelKernel.UPLOAD);
    }

    private void transferIn(float[] a, long at, int op) {
        for (int o = 0; o < a.length; o += CHUNK) {
            int len = Math.min(CHUNK, a.length - o);
            int stage = stageFor(len);
            float[] io = stage(stage);
            System.arraycopy(a, o, io, 0, len);
            k.put(io);
            k.a0 = len;
            k.a1 = (int) (at + o);
            k.a2 = stage;
            exec(op, len);
        }
    }

    private static int stageFor(int len) {
        return len <= ModelKernel.STAGE0 ? 0 : len <= ModelKernel.STAGE1 ? 1 : 2;
    }

    private float[] stage(int s) {
        return s == 0 ? k.io0 : s == 1 ? k.io1 : k.io2;
    }

    @Override
    public synchronized void toHost(float[] a) {
        HostRef r = find(a);
        if (r == null || !r.deviceNewer) return;
        for (int o = 0; o < a.length; o += CHUNK) {
            int len = Math.min(CHUNK, a.length - o);
            int stage = stageFor(len);
            k.a0 = len;
            k.a1 = (int) (r.offset + o);
            k.a2 = stage;
            exec(ModelKernel.DOWNLOAD, len);
            float[] io = stage(stage);
            k.get(io);
            System.arraycopy(io, 0, a, o, len);
        }
        r.deviceNewer = false;
    }

    @Override
    public synchronized void fromHost(float[] a) {
        HostRef r = find(a);
        if (r != null) {
            r.hostNewer = true;
            r.deviceNewer = false;
        }
    }

    // ---------------------------------------------------------------- execution

    /** One launch of {@code items} work-items (k.a0 must hold the same count). */
    private void exec(int op, long items) {
        if (items > Integer.MAX_VALUE - LOCAL) throw new IllegalArgumentException("too many work-items: " + items);
        int global = (int) ((items + LOCAL - 1) / LOCAL * LOCAL);
        run(op, global);
    }

    private void run(int op, int global) {
        if (global == 0) return;
        k.op = op;
        k.execute(Range.create(device, global, LOCAL));
        if (!k.isRunningCL()) {
            throw new IllegalStateException("Aparapi did not run the kernel on OpenCL (" + k.getTargetDevice()
                    + "); refusing its Java fallback");
        }
        executions++;
    }

    /*
     * Each op first resolves its arrays to device offsets (which may upload, and uploads use the
     * kernel's parameters), then sets the parameters and runs.
     */

    @Override
    public synchronized void matmul(Weights w, float[] bias, float[] x, int n, float[] out) {
        Placement at = resident.get(w);
        if (at == null) {
            if (w instanceof Q8_0) throw new IllegalStateException("Q8_0 weights must be prepared before use");
            upload(w);
            at = resident.get(w);
        }
        int xo = in(x), bo = bias == null ? -1 : in(bias), oo = out(out);
        long items = (long) n * w.rows;
        params((int) items, w.cols, w.rows, xo, oo, bo, (int) at.offset(), (int) at.scales(), at.array(), 0);
        exec(ModelKernel.MATMUL, items);
    }

    @Override
    public synchronized void attention(float[] q, float[] kc, float[] v, float[] out, int n, int start, int kvLen,
                                       int heads, int headDim, float scale, boolean causal) {
        long scores = (long) heads * n * kvLen;
        int qo = in(q), ko = in(kc), vo = in(v), oo = out(out);
        long scratch = allocate(scores);
        try {
            k.f0 = scale;
            k.f1 = causal ? 1f : 0f;
            params((int) scores, n, start, kvLen, heads, headDim, qo, ko, oo, (int) scratch);
            exec(ModelKernel.ATTN_SCORES, scores);
            params(heads * n, n, start, kvLen, heads, headDim, qo, ko, oo, (int) scratch);
            exec(ModelKernel.ATTN_SOFTMAX, (long) heads * n);
            params(n * heads * headDim, n, start, kvLen, heads, headDim, qo, vo, oo, (int) scratch);
            exec(ModelKernel.ATTN_VALUES, (long) n * heads * headDim);
        } finally {
            mem.release(scratch, scores);
        }
    }

    @Override
    public synchronized void rmsNorm(float[] x, float[] weight, float eps, float[] out, int n, int width) {
        int xo = in(x), wo = in(weight), oo = x == out ? inOut(out) : out(out);
        norm(ModelKernel.RMS_STATS, ModelKernel.RMS_APPLY, n, width, xo, wo, -1, oo, eps, 1);
    }

    @Override
    public synchronized void layerNorm(float[] x, float[] weight, float[] bias, float eps, float[] out, int n, int width) {
        int xo = in(x), wo = in(weight), bo = in(bias), oo = x == out ? inOut(out) : out(out);
        norm(ModelKernel.LN_STATS, ModelKernel.LN_APPLY, n, width, xo, wo, bo, oo, eps, 2);
    }

    private void norm(int statsOp, int applyOp, int n, int width, int xo, int wo, int bo, int oo, float eps, int statsPerRow) {
        long scratch = allocate((long) n * statsPerRow);
        try {
            k.f0 = eps;
            params(n, width, xo, wo, bo, oo, (int) scratch, 0, 0, 0);
            exec(statsOp, n);
            params(n * width, width, xo, wo, bo, oo, (int) scratch, 0, 0, 0);
            exec(applyOp, (long) n * width);
        } finally {
            mem.release(scratch, (long) n * statsPerRow);
        }
    }

    @Override
    public synchronized void rotary(float[] x, int n, int start, int heads, int headDim, float[] cos, float[] sin) {
        int xo = inOut(x), co = in(cos), so = in(sin);
        int items = n * heads * (headDim / 2);
        params(items, xo, heads, headDim / 2, start, co, so, 0, 0, 0);
        exec(ModelKernel.ROTARY, items);
    }

    @Override
    public synchronized void activate(Activation act, float[] x, int len) {
        int xo = inOut(x);
        params(len, xo, 0, 0, 0, 0, 0, 0, 0, 0);
        exec(switch (act) {
            case SILU -> ModelKernel.SILU;
            case QUICK_GELU -> ModelKernel.QUICK_GELU;
            case GELU_ERF -> ModelKernel.GELU_ERF;
        }, len);
    }

    @Override
    public synchronized void swiglu(float[] gateUp, float[] out, int n, int width) {
        int go = in(gateUp), oo = out.length == n * width ? out(out) : inOut(out);
        params(n * width, go, oo, width, 0, 0, 0, 0, 0, 0);
        exec(ModelKernel.SWIGLU, n * width);
    }

    @Override
    public synchronized void addInPlace(float[] y, float[] x, int len) {
        int xo = in(x), yo = inOut(y);
        params(len, yo, xo, 0, 0, 0, 0, 0, 0, 0);
        exec(ModelKernel.ADD, len);
    }

    @Override
    public synchronized void copy(float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride,
                                  int rows, int width) {
        int so = in(src), d = inOut(dst);
        params(rows * width, so + srcOff, srcStride, d + dstOff, dstStride, width, 0, 0, 0, 0);
        exec(ModelKernel.COPY2D, (long) rows * width);
    }

    private void params(int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7, int a8, int a9) {
        k.a0 = a0; k.a1 = a1; k.a2 = a2; k.a3 = a3; k.a4 = a4;
        k.a5 = a5; k.a6 = a6; k.a7 = a7; k.a8 = a8; k.a9 = a9;
    }

    // ---------------------------------------------------------------- benchmarks

    /** Device memory bandwidth: a large copy within device memory (bytes read + written per second), best of 3. */
    public synchronized double measureBandwidth() {
        ensureMem();
        long floats = Math.min(32L << 20, (mem.capacity() - mem.used()) / 3);
        long src = allocate(floats), dst = allocate(floats);
        try {
            double best = 0;
            for (int rep = 0; rep < 4; rep++) {
                params((int) floats, (int) src, (int) floats, (int) dst, (int) floats, (int) floats, 0, 0, 0, 0);
                long t0 = System.nanoTime();
                exec(ModelKernel.COPY2D, floats);
                double s = (System.nanoTime() - t0) / 1e9;
                if (rep > 0) best = Math.max(best, 8.0 * floats / s);
            }
            return best;
        } finally {
            mem.release(src, floats);
            mem.release(dst, floats);
        }
    }

    /** Device float32 multiply-add throughput (2 FLOP each), best of 3, growing the work until a run takes ≥ 0.2 s. */
    public synchronized double measureFmaPeak() {
        ensureMem();
        long out = allocate(1024);
        try {
            int items = 1 << 16, steps = 1024;
            double best = 0;
            for (int rep = 0; rep < 12; rep++) {
                params(items, (int) out, steps, 0, 0, 0, 0, 0, 0, 0);
                long t0 = System.nanoTime();
                exec(ModelKernel.FMA_PEAK, items);
                double s = (System.nanoTime() - t0) / 1e9;
                best = Math.max(best, 2.0 * 8 * items * (double) steps / s);
                if (s < 0.2 && items < (1 << 24)) items *= 4;
            }
            return best;
        } finally {
            mem.release(out, 1024);
        }
    }

    @Override
    public synchronized void close() {
        k.dispose();
        hostArrays.clear();
        resident.clear();
    }
}
