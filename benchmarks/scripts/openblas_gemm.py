#!/usr/bin/env python3
"""Reference point for the prefill GEMM: OpenBLAS sgemm (through numpy) on the decoder's four matrix
shapes, x[n, cols] · Wᵀ in float32, for the token counts given (default 136 = the bench's
128-word prompt, 776 = a 768-word one, about one image's prompt at num_crops 4).

Not a dependency of the project: run it beside `sightline bench` on the same machine, in the same
minute, and set its GFLOP/s against the FMA peak the bench printed (docs/benchmarks.md).

    OPENBLAS_NUM_THREADS=2 python3 benchmarks/scripts/openblas_gemm.py 136 776
"""
import sys
import time

import numpy as np

SHAPES = [(9216, 3072), (3072, 3072), (16384, 3072), (3072, 8192)]  # qkv, o, gate_up, down


def main():
    counts = [int(a) for a in sys.argv[1:]] or [136, 776]
    rng = np.random.default_rng(1)
    weights = [rng.standard_normal((r, c), dtype=np.float32) for r, c in SHAPES]
    for n in counts:
        xs = {c: rng.standard_normal((n, c), dtype=np.float32) for _, c in SHAPES}
        flops = sum(2.0 * n * r * c for r, c in SHAPES)
        for w in weights:  # warm-up: threads started, buffers allocated
            xs[w.shape[1]] @ w.T
        rates = []
        for _ in range(8):
            t0 = time.perf_counter()
            for w in weights:
                xs[w.shape[1]] @ w.T
            rates.append(flops / (time.perf_counter() - t0) / 1e9)
        rates.sort()
        print(f"OpenBLAS sgemm, {n} tokens, the four decoder shapes: median {rates[len(rates) // 2]:.0f} GFLOP/s "
              f"(min {rates[0]:.0f}, max {rates[-1]:.0f})")


if __name__ == "__main__":
    main()
