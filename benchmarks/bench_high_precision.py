"""Benchmark: high-precision Gaussian transforms of activations without closed forms (issue 14,
item 2). Each target is printed as a ratio against its target time and, where the old route
finishes in reasonable time, against the adaptive mpmath route measured in the same run
(:func:`asymptote.numeric.gaussian_mp.adaptive_only`). Times are medians of ``--repeats``
runs (the adaptive route: ``--adaptive-repeats``, default 1: it takes minutes).

Targets:

* tanh W = E[tanh(u) tanh(v)] at 30 digits (q1 = q2 = 1, q12 = 1/2): < 0.5 s;
* tanh V at 30 digits: reported against the same 0.5 s;
* ``asymptote kernel --activation tanh --sigma-w 1.5 --sigma-b 0.1 --depth 10 --x1 1,0
  --x2 0.6,0.8 --dps 20`` (a fresh process, import included): < 20 s;
* ``mean_field('tanh', '1.5', '0', dps=100)`` (chaotic phase): < 2 s; timed cold (a fresh
  activation object, as the call with a name does) and warm (one activation object reused,
  which skips the per-object symbolic set-up outside the quadrature).

Run: ``python benchmarks/bench_high_precision.py [--repeats 3] [--skip-adaptive]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import asymptote
from asymptote.numeric.gaussian_mp import adaptive_only

KERNEL_CMD = [
    sys.executable,
    "-m",
    "asymptote.cli",
    "kernel",
    "--activation",
    "tanh",
    "--sigma-w",
    "1.5",
    "--sigma-b",
    "0.1",
    "--depth",
    "10",
    "--x1",
    "1,0",
    "--x2",
    "0.6,0.8",
    "--dps",
    "20",
]


def median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(name: str, seconds: float, target: float, adaptive: float | None) -> None:
    line = f"{name:<44} {seconds:9.3f} s   target {target:6.1f} s   ratio {seconds / target:7.3f}"
    if adaptive is not None:
        line += f"   adaptive {adaptive:8.2f} s   speed-up {adaptive / seconds:8.1f}x"
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--adaptive-repeats", type=int, default=1)
    parser.add_argument("--skip-adaptive", action="store_true")
    args = parser.parse_args()
    reps, areps = args.repeats, args.adaptive_repeats

    def w30() -> object:
        return asymptote.cross_moment("tanh", 1, 1, "0.5", dps=30)

    def v30() -> object:
        return asymptote.second_moment("tanh", 1, dps=30)

    w30()  # registry and lambdify set-up outside the timing
    adaptive_w = adaptive_v = None
    if not args.skip_adaptive:
        with adaptive_only():
            adaptive_w = median_time(w30, areps)
            adaptive_v = median_time(v30, areps)
    report("tanh W at 30 digits", median_time(w30, reps), 0.5, adaptive_w)
    report("tanh V at 30 digits", median_time(v30, reps), 0.5, adaptive_v)

    def kernel() -> object:
        return subprocess.run(KERNEL_CMD, check=True, capture_output=True, text=True)

    report("kernel CLI tanh depth 10 at 20 digits", median_time(kernel, reps), 20.0, None)

    def mean_field_cold() -> object:
        return asymptote.mean_field("tanh", "1.5", "0", dps=100)

    act = asymptote.activation("tanh")

    def mean_field_warm() -> object:
        return asymptote.mean_field(act, "1.5", "0", dps=100)

    mean_field_warm()
    report(
        "mean_field tanh (1.5, 0) 100 digits, cold", median_time(mean_field_cold, reps), 2.0, None
    )
    report(
        "mean_field tanh (1.5, 0) 100 digits, warm", median_time(mean_field_warm, reps), 2.0, None
    )
    report(
        "mean_field tanh (1.5, 0.3) 100 digits, warm",
        median_time(lambda: asymptote.mean_field(act, "1.5", "0.3", dps=100), reps),
        2.0,
        None,
    )


if __name__ == "__main__":
    main()
