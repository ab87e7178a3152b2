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

Tabulated path (issue 14, item 3): for each smooth non-homogeneous activation named by
``--tabulated`` (default tanh, gelu, silu), the feedforward network on a grid of ``sigma_w``
(``--tab-grid`` points, ``sigma_b = 0.3``) to ``--tab-depth`` layers through the compiled loop
on tabulated transforms (table built before timing), point-layers/s by wall clock and by
process CPU time (medians of ``repeats``), as ratios against the 1e7 target and against the
quadrature path (``compiled=False``) timed in the same run on 4 points at a short depth, with
the 1-minute load average (on a shared machine the wall rate is the CPU rate times the cores
actually free).
"""

from __future__ import annotations

import argparse
import os
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


def median_times(fn, repeats: int) -> tuple[float, float]:
    """Median wall-clock and median process-CPU seconds of ``fn``."""
    walls, cpus = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus)


TARGET = 1e7  # point-layers/s, issue 14 item 3


def bench_tabulated(names: list[str], depth: int, grid: int, repeats: int) -> None:
    from asymptote.recurrences.tables import transform_table

    sw = np.linspace(0.5, 2.5, grid)
    short = 20  # quadrature path depth (it is timed on few points: seconds per layer)
    print(f"tabulated transforms, feedforward, grid {grid}, depth {depth}, sigma_b = 0.3")
    for name in names:
        act = activation(name)
        t0 = time.perf_counter()
        table = transform_table(act)
        build = time.perf_counter() - t0
        iterate("feedforward", act, sw[:2], 0.3, depth=10)  # compile
        wall, cpu = median_times(
            lambda act=act: iterate("feedforward", act, sw, 0.3, depth=depth, e0=0.3,
                                    layers=[depth]),
            repeats,
        )

        few = sw[:: max(1, grid // 4)][:4]
        wall_q, cpu_q = median_times(
            lambda act=act, few=few: iterate("feedforward", act, few, 0.3, depth=short, e0=0.3,
                                             compiled=False),
            repeats,
        )
        load = os.getloadavg()[0]  # other processes share the cores: report with the rates
        rate, rate_cpu = grid * depth / wall, grid * depth / cpu
        rate_q, rate_q_cpu = few.size * short / wall_q, few.size * short / cpu_q
        err = table.interpolation_error
        print(f"  {name:>8}: table {build:6.1f} s (H err {err['H']:.1e}, V err "
              f"{err['V']:.1e}, Mehler {table.mehler_error:.1e}); {rate:9.3g} pt-layers/s wall "
              f"({rate / TARGET:5.2f} x target), {rate_cpu:9.3g} per CPU-s "
              f"({rate_cpu / TARGET:5.2f} x target); quadrature path {rate_q:9.3g} wall, "
              f"{rate_q_cpu:9.3g} per CPU-s: ratio {rate / rate_q:8.3g} (wall), "
              f"{rate_cpu / rate_q_cpu:8.3g} (CPU); load average {load:.2f} on "
              f"{os.cpu_count()} cores")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--depth", type=int, default=20000)
    ap.add_argument("--grid", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--tabulated", default="tanh,gelu,silu",
                    help="comma-separated smooth activations ('' to skip)")
    ap.add_argument("--tab-depth", type=int, default=20000)
    ap.add_argument("--tab-grid", type=int, default=200)
    ap.add_argument("--only-tabulated", action="store_true")
    args = ap.parse_args()
    if args.tabulated:
        bench_tabulated([n for n in args.tabulated.split(",") if n], args.tab_depth,
                        args.tab_grid, args.repeats)
    if args.only_tabulated:
        return
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
