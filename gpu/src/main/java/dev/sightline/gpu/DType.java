package dev.sightline.gpu;

/** Element types a checkpoint tensor may be stored in (safetensors names). */
public enum DType {
    F32(4), F16(2), BF16(2),
    /** Integer types: only the parts of saved quantised matrices (never a {@link Weights.Dense}). */
    I8(1), I32(4);

    public final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public boolean isFloat() {
        return this == F32 || this == F16 || this == BF16;
    }

    public static DType fromSafetensors(String name) {
        return switch (name) {
            case "F32" -> F32;
            case "F16" -> F16;
            case "BF16" -> BF16;
            case "I8" -> I8;
            case "I32" -> I32;
            default -> throw new IllegalArgumentException("unsupported tensor dtype " + name + " (expected BF16, F16 or F32)");
        };
    }
}
