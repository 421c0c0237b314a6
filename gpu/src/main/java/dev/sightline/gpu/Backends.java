package dev.sightline.gpu;

import com.aparapi.device.OpenCLDevice;
import dev.sightline.gpu.opencl.OpenClBackend;
import java.util.List;
import java.util.logging.Logger;

/**
 * Picks the compute backend from configuration: {@code cpu}, {@code opencl} (device by index, GPUs
 * listed first; fails when there is none) or {@code auto} (an OpenCL GPU when present, else the CPU
 * backend — an OpenCL CPU device such as PoCL is slower than the Vector API path, so auto never
 * picks one).
 */
public final class Backends {
    private static final Logger LOG = Logger.getLogger(Backends.class.getName());

    private Backends() {}

    /**
     * @param device          cpu | opencl | auto
     * @param deviceIndex     index into {@link OpenClBackend#devices()} for opencl
     * @param cpuThreads      CPU threads (≤ 0: one per core)
     * @param activationBytes OpenCL device memory for activations and KV caches
     */
    public static ComputeBackend create(String device, int deviceIndex, int cpuThreads, long activationBytes) {
        String d = device == null ? "auto" : device.trim().toLowerCase();
        return switch (d) {
            case "cpu" -> cpu(cpuThreads);
            case "opencl" -> {
                List<OpenCLDevice> devices = OpenClBackend.devices();
                if (devices.isEmpty()) {
                    throw new IllegalStateException("device=opencl but no OpenCL device is visible (install an OpenCL driver, e.g."
                            + " Debian's pocl-opencl-icd and ocl-icd-libopencl1, or the GPU vendor's ICD)");
                }
                if (deviceIndex < 0 || deviceIndex >= devices.size()) {
                    throw new IllegalStateException("OpenCL device index " + deviceIndex + " out of range; devices: " + describe(devices));
                }
                yield new OpenClBackend(devices.get(deviceIndex), activationBytes);
            }
            case "auto" -> {
                List<OpenCLDevice> gpus = OpenClBackend.devices().stream()
                        .filter(x -> x.getType() == com.aparapi.device.Device.TYPE.GPU).toList();
                if (gpus.isEmpty()) {
                    LOG.info("device=auto: no OpenCL GPU, using the CPU backend");
                    yield cpu(cpuThreads);
                }
                LOG.info(() -> "device=auto: using OpenCL GPU " + gpus.getFirst().getName());
                yield new OpenClBackend(gpus.getFirst(), activationBytes);
            }
            default -> throw new IllegalArgumentException("device must be cpu, opencl or auto, not '" + device + "'");
        };
    }

    private static ComputeBackend cpu(int threads) {
        return threads > 0 ? new CpuBackend(threads) : new CpuBackend();
    }

    public static String describe(List<OpenCLDevice> devices) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < devices.size(); i++) {
            OpenCLDevice d = devices.get(i);
            sb.append(i == 0 ? "" : ", ").append(i).append(": ").append(d.getName().trim()).append(" (").append(d.getType()).append(')');
        }
        return sb.isEmpty() ? "none" : sb.toString();
    }
}
