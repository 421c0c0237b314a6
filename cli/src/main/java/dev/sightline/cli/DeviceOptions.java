package dev.sightline.cli;

import dev.sightline.gpu.Backends;
import dev.sightline.gpu.ComputeBackend;
import picocli.CommandLine.Option;

/** The compute-device options shared by the commands that run the model. */
final class DeviceOptions {
    @Option(names = "--device", defaultValue = "${env:SIGHTLINE_DEVICE:-auto}",
            description = "cpu, opencl or auto (an OpenCL GPU when present, else cpu); env SIGHTLINE_DEVICE. Default: ${DEFAULT-VALUE}")
    String device;

    @Option(names = "--opencl-device", defaultValue = "0", description = "OpenCL device index (GPUs listed first)")
    int openclDevice;

    @Option(names = "--opencl-memory-mb", defaultValue = "1024", description = "OpenCL device memory for activations and KV caches, MiB (weights come on top; one arena is at most 2 GiB)")
    long openclMemoryMb;

    @Option(names = "--threads", defaultValue = "0", description = "CPU backend threads (0 = all cores)")
    int threads;

    ComputeBackend create() {
        return Backends.create(device, openclDevice, threads, openclMemoryMb << 20);
    }
}
