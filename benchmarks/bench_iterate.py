"""Benchmark: long-depth mean-field iteration, compiled kernel vs numpy path vs a naive loop.

Run: ``python benchmarks/bench_iterate.py [--depth 20000] [--grid 1000] [--repeats 3]``.

Three routes for the alpha-ReLU (alpha = 0.7) full resnet, same process, medians over
``repeats`` (the first compiled call, which includes numba compilation, is excluded):

* ``compiled``: :func:`asymptote.iterate` (numba kernel, log-space variables, gap table);
* ``numpy``: :func:`asymptote.iterate` with ``compiled=False`` (vectorized over the grid,
  one Python-level step per layer);
* ``naive``: the textbook loop ``p += sv^2 V(q); gamma += sv^2 W(q, lambda)`` in float64 with
  the closed-form kernel (no log space: it overflows for ReLU beyond ~1000 layers and loses
  1 - e to cancellation).

Reported: point-layers per second and the ratios; accuracy of 1 - e at the last layer against
the mpmath path (30 digits) at a short depth.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from asymptote import activation, iterate
from asymptote.transforms import transform


def naive(act, sw: np.ndarray, depth: int, e0: float) -> tuple[np.ndarray, np.ndarray]:
    p = np.ones_like(sw)
    g = e0 * p
    for _ in range(depth):
        q = sw**2 * p
        lam = sw**2 * g
        p = p + transform("V", act, q)
        g = g + transform("W", act, q, q, lam)
    return p, 1 - g / p


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--depth", type=int, default=20000)
    ap.add_argument("--grid", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    act = activation("alpha_relu", alpha="0.7")
    sw = np.linspace(0.5, 2.0, args.grid)
    kw = {"sigma_v": 1.0, "sigma_a": 0.0}
    iterate("frn", act, sw[:2], 0.0, depth=10, **kw)  # compile
    work = args.grid * args.depth
    t_c = median_time(lambda: iterate("frn", act, sw, 0.0, depth=args.depth, **kw), args.repeats)
    short = max(args.depth // 20, 100)
    t_n = median_time(
        lambda: iterate("frn", act, sw, 0.0, depth=short, compiled=False, **kw), args.repeats
    ) * args.depth / short
    t_b = median_time(lambda: naive(act, sw, short, 0.5), args.repeats) * args.depth / short
    print(f"alpha-ReLU FRN, grid {args.grid}, depth {args.depth} (numpy/naive timed at depth "
          f"{short} and scaled)")
    for name, t in (("compiled", t_c), ("numpy", t_n), ("naive", t_b)):
        print(f"  {name:>9}: {t:9.3f} s   {work / t:10.3g} point-layers/s   ratio to compiled "
              f"{t / t_c:7.1f}")
    ref = iterate("frn", act, "1.0", "0", sigma_v="1", sigma_a="0", depth=200, e0="0.5", dps=30)
    fast = iterate("frn", act, 1.0, 0.0, depth=200, e0=0.5, **kw)
    p_naive, u_naive = naive(act, np.array([1.0]), 200, 0.5)
    u_ref = float(1 - ref["e"][-1])
    print(f"  1 - e at depth 200: mpmath {u_ref:.17g}; compiled rel. err "
          f"{abs(fast.one_minus_e[-1] / u_ref - 1):.2e}; naive rel. err "
          f"{abs(u_naive[0] / u_ref - 1):.2e}")


if __name__ == "__main__":
    main()
