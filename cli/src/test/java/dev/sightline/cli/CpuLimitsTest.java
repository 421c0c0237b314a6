package dev.sightline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sightline.gpu.Quantization;
import org.junit.jupiter.api.Test;

/**
 * The decode floor's kernels (see {@link CpuLimits#floorStream}) must touch every weight of the
 * stream with the arithmetic they stand for: their sums over a known buffer (every 16-bit word
 * 0x3F80) are checked against the same sums in double. A kernel that skipped part of the buffer, or
 * read a weight the wrong way, would give a bound for less work than a real kernel does.
 */
class CpuLimitsTest {
    static final long BYTES = 4 << 20;

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {4, 8})
    void floorKernelsReadEveryWeight(int streams) {
        try (CpuLimits limits = new CpuLimits(1, BYTES)) {
            // int8: bytes 0x80 (−128) and 0x3F (63) in turn
            assertClose(BYTES / 2 * (-128 + 63) * 0.5, limits.floorPass(Quantization.Q8_0, 0, BYTES, streams));
            // 4-bit: nibbles k = 0…7 of the word 0x3F803F80, each read as 1 + nibble · 16^k · 2^−23 for
            // k < 5 and 1 + nibble · 16^(k − 5) · 2^−23 above (after a shift by 20)
            double word = 0;
            for (int k = 0; k < 8; k++) {
                long nibble = (0x3F803F80L >>> (4 * k)) & 0xF;
                word += 1 + (nibble << (4 * (k < 5 ? k : k - 5))) * Math.scalb(1.0, -23);
            }
            assertClose(BYTES / 4 * word * 0.5, limits.floorPass(Quantization.Q4_0, 0, BYTES, streams));
            // bf16: two 1.0 per word
            assertClose(BYTES / 2 * 1.0 * 0.5, limits.floorPass(Quantization.NONE, 0, BYTES, streams));
            // half the range: half the sum
            assertClose(BYTES / 4 * 0.5, limits.floorPass(Quantization.NONE, 0, BYTES / 2, streams));
        }
    }

    @Test
    void floorStreamsAreRatesForEveryFormat() {
        try (CpuLimits limits = new CpuLimits(2, BYTES)) {
            for (Quantization q : Quantization.values()) {
                double rate = limits.floorStream(q);
                assertTrue(rate > 0 && Double.isFinite(rate), q + ": " + rate);
            }
        }
    }

    static void assertClose(double expected, double actual) {
        assertEquals(expected, actual, Math.abs(expected) * 1e-3, "floor kernel sum");
    }
}
