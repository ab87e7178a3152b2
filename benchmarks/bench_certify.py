"""Benchmark: certified balls (python-flint, :mod:`asymptote.certify`) against mpmath (issue 14).

Each row times the certified route and the mpmath route in the same run (median of
``--repeats`` runs, warm: the first, set-up call is not timed), prints their ratio, and the
digits each delivers: for a ball, the digits its radius proves (``-log10(radius/|value|)``);
for mpmath, the requested ``dps`` (an estimate, no proof).

Rows:

* V(q) = E[tanh(sqrt(q) z)^2] at q = 2, 30 digits: ``certify_second_moment`` (acb.integral
  with a tail bound) vs ``mpmath.quad`` of the same integrand (issue text: 0.03 s vs 0.68 s);
* q* for erf and ReLU at 50 digits (sigma_w = 1.5 resp. 0.9, sigma_b = 0.1):
  ``certify_fixed_point`` vs ``asymptote.feedforward.fixed_point_length(dps=50)``;
* the arc-cosine kernel W(1, 2, 0.3) of ReLU at 50 digits: ``certify_kernel`` vs
  ``asymptote.transforms.cross_moment(dps=50)``.

Run: ``python benchmarks/bench_certify.py [--repeats 3]`` (needs python-flint).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable

import mpmath

from asymptote import certify
from asymptote.feedforward import fixed_point_length
from asymptote.transforms import cross_moment


def median_time(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    result = fn()  # warm-up (symbolic set-up, caches)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def proven_digits(ball: certify.Ball) -> str:
    rel = ball.relative_radius()
    return "exact" if rel == 0 else f"{-math.log10(rel):.1f}"


def tanh_v_mpmath() -> object:
    with mpmath.workdps(30):
        s = mpmath.sqrt(2)
        return mpmath.quad(
            lambda z: mpmath.tanh(s * z) ** 2 * mpmath.npdf(z), [-mpmath.inf, 0, mpmath.inf]
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = [
        (
            "tanh V(2), 30 digits",
            lambda: certify.certify_second_moment("tanh", 2, dps=30),
            tanh_v_mpmath,
            30,
        ),
        (
            "erf q*, 50 digits",
            lambda: certify.certify_fixed_point("erf", "1.5", "0.1", dps=50),
            lambda: fixed_point_length("erf", "1.5", "0.1", dps=50),
            50,
        ),
        (
            "relu q*, 50 digits",
            lambda: certify.certify_fixed_point("relu", "0.9", "0.1", dps=50),
            lambda: fixed_point_length("relu", "0.9", "0.1", dps=50),
            50,
        ),
        (
            "relu W(1,2,0.3), 50 digits",
            lambda: certify.certify_kernel("relu", 1, 2, "0.3", 50),
            lambda: cross_moment("relu", 1, 2, "0.3", dps=50),
            50,
        ),
    ]
    print(f"{'quantity':<28} {'arb (s)':>10} {'mpmath (s)':>11} {'ratio':>8}  digits arb/mpmath")
    for name, arb_fn, mp_fn, dps in rows:
        t_arb, ball = median_time(arb_fn, args.repeats)
        t_mp, value = median_time(mp_fn, args.repeats)
        assert isinstance(ball, certify.Ball)
        agrees = ball.contains(value) or abs(ball.value - value) <= abs(ball.value) * 10 ** (
            -(dps - 2)
        )
        print(
            f"{name:<28} {t_arb:>10.4f} {t_mp:>11.4f} {t_mp / t_arb:>7.1f}x  "
            f"{proven_digits(ball)} (proven) / {dps} (requested)" + ("" if agrees else "  DISAGREE")
        )


if __name__ == "__main__":
    main()
