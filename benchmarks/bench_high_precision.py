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
  which skips the per-object symbolic set-up outside the quadrature);
* issue 14: ``mean_field(name, sigma_w, sigma_b, dps=100)`` for every registered activation
  (presets and the test strategies' parameter choices) in both phases, and
  ``critical_point(name, 0.3, dps=100)``: < 2 s each. Printed per case: the median of the
  new route (Newton at rising precision, :func:`asymptote.numeric.roots.newton_root_mp`),
  the median of the old one in the same run (bracketing at the full precision,
  :func:`~asymptote.numeric.roots.full_precision_only`), the ratios new / 2 s and
  old / new, and the digits of q* verified against an independent reference: the residual
  of q = sigma_w^2 V(q) + sigma_b^2 under V by mpmath's Gauss-Legendre at 130 digits
  (8 pieces, split at the kinks), divided by |1 - chi_q|. Both routes' outputs must agree
  to 99 digits (q*, c*, chi_1, chi_c), else the case is flagged.

Run: ``python benchmarks/bench_high_precision.py [--repeats 3] [--skip-adaptive]
[--fixed-points-only] [--only tanh,gelu]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import mpmath
import numpy as np

import asymptote
from asymptote.activations import activation, list_activations
from asymptote.numeric.gaussian_mp import adaptive_only
from asymptote.numeric.roots import full_precision_only

#: sigma_w grid searched (float64 path) for an ordered and a chaotic point at sigma_b = 0.3
SIGMA_W_GRID = ("0.6", "0.8", "0.9", "1.0", "1.2", "1.5", "2.0", "2.5", "3.0", "4.0")
SIGMA_B = "0.3"
DPS = 100
#: parameters of the families without a preset (those of tests/strategies.py)
FAMILY_PARAMS = {"alpha_relu": {"alpha": "0.5"}, "ab_relu": {"a": "1.5", "b": "-0.4"}}

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


def phase_points(act: object) -> dict[str, str]:
    """sigma_w of an ordered (chi_1 < 0.95) and a chaotic (chi_1 > 1.05) point with a finite
    q* at sigma_b = 0.3, from the float64 path."""
    out: dict[str, str] = {}
    for sw in SIGMA_W_GRID:
        try:
            p = asymptote.mean_field(act, float(sw), float(SIGMA_B))
        except (ValueError, ArithmeticError):
            continue
        if p.q_star_kind != "point" or not np.isfinite(p.q_star):
            continue
        if p.chi_1 < 0.95:
            out.setdefault("ordered", sw)
        elif p.chi_1 > 1.05:
            out.setdefault("chaotic", sw)
    return out


def q_star_digits(act: object, sw: str, q: object, chi_q: object) -> float:
    """Digits of q* from the residual under an independent 130-digit V (see the module)."""
    spec = activation(act) if isinstance(act, str) else act
    with mpmath.workdps(130):
        qq = mpmath.mpf(q)
        r = mpmath.sqrt(2 * mpmath.log(10) * 150)
        root = mpmath.sqrt(qq)
        cuts = {mpmath.mpf(k) / root for k in spec.kinks if abs(mpmath.mpf(k) / root) < r}
        nodes = sorted(set(mpmath.linspace(-r, r, 9)) | cuts)
        v = mpmath.quad(
            lambda x: spec.phi_mp(root * x) ** 2 * mpmath.exp(-x * x / 2),
            nodes,
            method="gauss-legendre",
        ) / mpmath.sqrt(2 * mpmath.pi)
        residual = mpmath.mpf(sw) ** 2 * v + mpmath.mpf(SIGMA_B) ** 2 - qq
        if residual == 0:
            return 130.0
        return float(-mpmath.log10(abs(residual) / (qq * abs(1 - mpmath.mpf(chi_q)))))


def agreement(a: object, b: object) -> float:
    """Digits to which two results agree (relative, over q*, c*, chi_1, chi_c)."""
    worst = 200.0
    with mpmath.workdps(DPS + 10):
        for key in ("q_star", "c_star", "chi_1", "chi_c"):
            x, y = mpmath.mpf(getattr(a, key)), mpmath.mpf(getattr(b, key))
            if x != y:
                worst = min(worst, float(-mpmath.log10(abs(x - y) / max(abs(y), 1))))
    return worst


def fixed_point_table(reps: int, only: set[str] | None) -> None:
    """The issue-14 table (see the module docstring)."""
    head = f"{'case':<34} {'phase':<8} {'old s':>8} {'new s':>8} {'new/2s':>7} {'old/new':>8}"
    print(head + f" {'q* digits':>9} {'agree':>6}", flush=True)
    new_times: list[float] = []
    for name in list_activations():
        if only and name not in only:
            continue
        act = activation(name, **FAMILY_PARAMS.get(name, {}))
        label = f"{name}{FAMILY_PARAMS.get(name, '')}"
        for phase, sw in phase_points(act).items():

            def call(act: object = act, sw: str = sw) -> object:
                return asymptote.mean_field(act, sw, SIGMA_B, dps=DPS)

            call()  # per-precision set-up (node tables, compiled maps) outside the timing
            new = median_time(call, reps)
            with full_precision_only():
                call()
                old = median_time(call, reps)
                ref = call()
            got = call()
            assert isinstance(got, asymptote.MeanFieldPoint)
            assert isinstance(ref, asymptote.MeanFieldPoint)
            digits = q_star_digits(act, sw, got.q_star, got.chi_q)
            agree = agreement(got, ref)
            flag = "" if agree >= 99 and digits >= 99 else "  <-- CHECK"
            new_times.append(new)
            print(
                f"{label + ' sw=' + sw:<34} {phase:<8} {old:8.3f} {new:8.3f} {new / 2:7.3f} "
                f"{old / new:8.2f} {digits:9.1f} {agree:6.1f}{flag}",
                flush=True,
            )
    if new_times:
        print(f"worst new / 2 s: {max(new_times) / 2:.3f}", flush=True)


def critical_table(reps: int, only: set[str] | None) -> None:
    """critical_point(name, 0.3, dps=100) for the non-homogeneous activations."""
    print(
        f"{'critical_point(name, 0.3)':<34} {'old s':>8} {'new s':>8} {'new/2s':>7} {'old/new':>8}"
    )
    for name in list_activations():
        if only and name not in only:
            continue
        act = activation(name, **FAMILY_PARAMS.get(name, {}))
        if act.homogeneity_degree == 1.0:
            continue

        def call(act: object = act) -> object:
            return asymptote.critical_point(act, SIGMA_B, dps=DPS)

        try:
            call()
        except (ValueError, ArithmeticError) as exc:
            print(f"{name:<34} skipped: {exc}")
            continue
        new = median_time(call, reps)
        with full_precision_only():
            old = median_time(call, reps)
        print(f"{name:<34} {old:8.3f} {new:8.3f} {new / 2:7.3f} {old / new:8.2f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--adaptive-repeats", type=int, default=1)
    parser.add_argument("--skip-adaptive", action="store_true")
    parser.add_argument("--fixed-points-only", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated activation names")
    args = parser.parse_args()
    reps, areps = args.repeats, args.adaptive_repeats
    only = set(args.only.split(",")) if args.only else None
    if args.fixed_points_only:
        fixed_point_table(reps, only)
        critical_table(reps, only)
        return

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
    fixed_point_table(reps, only)
    critical_table(reps, only)


if __name__ == "__main__":
    main()
