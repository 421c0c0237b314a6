package dev.sightline.gpu.opencl;

import java.util.Map;
import java.util.TreeMap;

/**
 * First-fit allocator over one device array (offsets in elements). Freed ranges merge with their
 * neighbours so that the per-request activation buffers do not fragment the arena over time.
 */
final class Arena {
    /** Allocation granularity: keeps offsets aligned for coalesced access (and Q8_0 words). */
    static final int ALIGN = 64;

    private final long capacity;
    private final TreeMap<Long, Long> free = new TreeMap<>(); // offset → length
    private long used;

    Arena(long capacity) {
        this.capacity = capacity;
        free.put(0L, capacity);
    }

    long capacity() {
        return capacity;
    }

    long used() {
        return used;
    }

    /** Offset of a new range of at least {@code length} elements, or −1 when none is free. */
    long allocate(long length) {
        long need = Math.max(ALIGN, (length + ALIGN - 1) / ALIGN * ALIGN);
        for (Map.Entry<Long, Long> e : free.entrySet()) {
            long off = e.getKey(), len = e.getValue();
            if (len >= need) {
                free.remove(off);
                if (len > need) free.put(off + need, len - need);
                used += need;
                return off;
            }
        }
        return -1;
    }

    void release(long offset, long length) {
        long len = Math.max(ALIGN, (length + ALIGN - 1) / ALIGN * ALIGN);
        used -= len;
        long start = offset;
        Map.Entry<Long, Long> before = free.floorEntry(offset);
        if (before != null && before.getKey() + before.getValue() == offset) {
            start = before.getKey();
            len += before.getValue();
            free.remove(before.getKey());
        }
        Long afterLen = free.remove(offset + (len - (offset - start)));
        if (afterLen != null) len += afterLen;
        free.put(start, len);
    }
}
