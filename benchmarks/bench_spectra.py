"""Benchmark: spectral density of J J^T on a 10^4-point grid, float64 fast path vs mpmath.

Run: ``python benchmarks/bench_spectra.py [--points 10000] [--mp-points 8] [--dps 30]
[--repeats 3]``.

For each case the fast path evaluates the whole grid (vectorized Newton continuation from
lambda + iY down to the real axis); the mpmath path (``dps`` digits) is timed on
``mp-points`` points of the same grid (it costs the same per point wherever the point lies in
the bulk). Printed: the fast-path throughput (points/s, median over ``repeats``), the mpmath
time per point, their median ratio, and the largest relative difference between the two on
the common points (the fast path's accuracy).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from asymptote.feedforward import critical_point
from asymptote.spectra.density import spectral_density, spectral_edge


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--mp-points", type=int, default=8)
    parser.add_argument("--dps", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sw_tanh = critical_point("tanh", 0.05)[0]
    cases = [
        ("relu", 2**0.5, 0.0, 10, "gaussian"),
        ("relu", 2**0.5, 0.0, 10, "orthogonal"),
        ("tanh", sw_tanh, 0.05, 10, "orthogonal"),
    ]
    print(f"{'case':<28}{'numpy pts/s':>14}{'mpmath s/pt':>14}{'ratio':>12}{'max rel diff':>14}")
    for name, sw, sb, depth, weights in cases:
        edge = spectral_edge(name, sw, sb, depth=depth, weights=weights)
        # tanh/orthogonal: the float64 quadrature fails for lambda < ~0.005 edge (docs)
        low = 0.01 * edge if name == "tanh" else 0.0
        grid = np.linspace(low, edge, args.points + 2)[1:-1]
        times = []
        fast = np.empty(0)
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            fast = spectral_density(name, sw, sb, grid, depth=depth, weights=weights)
            times.append(time.perf_counter() - t0)
        per_point_fast = statistics.median(times) / grid.size
        idx = np.linspace(grid.size * 0.1, grid.size * 0.9, args.mp_points).astype(int)
        sub = [float(grid[i]) for i in idx]
        mp_times = []
        slow = []
        for _ in range(max(1, args.repeats // 2)):
            t0 = time.perf_counter()
            slow = spectral_density(name, sw, sb, sub, depth=depth, weights=weights, dps=args.dps)
            mp_times.append((time.perf_counter() - t0) / len(sub))
        per_point_mp = statistics.median(mp_times)
        diff = max(
            abs(float(s) - fast[i]) / max(float(s), 1e-300) for s, i in zip(slow, idx, strict=True)
        )
        label = f"{name} L={depth} {weights}"
        print(
            f"{label:<28}{1 / per_point_fast:>14.0f}{per_point_mp:>14.4f}"
            f"{per_point_mp / per_point_fast:>12.0f}{diff:>14.2e}"
        )


if __name__ == "__main__":
    main()
