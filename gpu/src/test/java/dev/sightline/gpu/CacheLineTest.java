package dev.sightline.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** {@link CacheLine#offset} reads the real address of an array's first element. */
class CacheLineTest {
    @Test
    void offsetsFollowWhereArraysLie() {
        // Arrays of 1…64 floats allocated one after another start at addresses 8 bytes apart modulo 64
        // in every combination; a probe that could not read the address would answer 0 for all.
        Set<Integer> seen = new TreeSet<>();
        float[][] keep = new float[64][];
        for (int i = 0; i < keep.length; i++) {
            keep[i] = new float[i + 1];
            int o = CacheLine.offset(keep[i]);
            assertTrue(o >= 0 && o < CacheLine.FLOATS, "offset " + o);
            seen.add(o);
        }
        assertTrue(seen.size() > 1, "every array at the same offset " + seen + ": the address was not read");
    }

    @Test
    void aLargeArrayIsOffsetTheSameWayEachTime() {
        // Nothing moves between two probes of a large (humongous, never moved by G1) array.
        float[] big = new float[4 << 20];
        assertEquals(CacheLine.offset(big), CacheLine.offset(big));
    }
}
