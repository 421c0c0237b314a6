package dev.sightline.gpu;

/** Element types a checkpoint tensor may be stored in (safetensors names). */
public enum DType {
    F32(4), F16(2), BF16(2);

    public final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public static DType fromSafetensors(String name) {
        return switch (name) {
            case "F32" -> F32;
            case "F16" -> F16;
            case "BF16" -> BF16;
            default -> throw new IllegalArgumentException("unsupported tensor dtype " + name + " (expected BF16, F16 or F32)");
        };
    }
}
