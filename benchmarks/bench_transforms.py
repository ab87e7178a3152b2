"""Benchmark: fast-path Gaussian transforms through the public API, vs straightforward numpy.

Run: ``python benchmarks/bench_transforms.py [--n 1000000] [--repeats 5]``.

* ReLU cross moment W(q1, q2, q12): asymptote (angle form with a series near c = -1) vs the
  textbook arc-cosine formula sqrt(q1 q2) (sqrt(1 - c^2) + (pi - arccos c) c) / (2 pi).
* tanh second moment V(q): asymptote (Chebyshev table in log q) vs Gauss-Hermite with 200
  nodes.
Times are medians over ``repeats`` in one process; accuracy is the max relative error
against the mpmath path (30 digits) at sample points, including the hard ones (c near -1
for ReLU, q = 4 and q = 1e6 for tanh).
"""

from __future__ import annotations

import argparse
import statistics
import time

import mpmath
import numpy as np

from asymptote.transforms import cross_moment, second_moment


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def relu_baseline(q1, q2, q12):
    c = np.clip(q12 / np.sqrt(q1 * q2), -1, 1)
    return np.sqrt(q1 * q2) * (np.sqrt(1 - c * c) + (np.pi - np.arccos(c)) * c) / (2 * np.pi)


def tanh_baseline(q, nodes=200):
    x, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / np.sqrt(2 * np.pi)
    q = np.asarray(q, dtype=float)
    out = np.empty_like(q)
    for start in range(0, q.size, 4096):  # chunks keep the (n, nodes) matrix small
        block = q[start : start + 4096]
        out[start : start + 4096] = np.tanh(np.sqrt(block)[:, None] * x) ** 2 @ w
    return out


def max_rel(fast_fn, points, ref_fn) -> float:
    worst = 0.0
    for p in points:
        got = float(np.asarray(fast_fn(*[np.array([v]) for v in p]))[0])
        ref = ref_fn(*p)
        worst = max(worst, float(abs(mpmath.mpf(got) - ref) / abs(ref)))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)

    q1 = 10 ** rng.uniform(-3, 3, args.n)
    q2 = 10 ** rng.uniform(-3, 3, args.n)
    c = rng.uniform(-1, 1, args.n)
    q12 = c * np.sqrt(q1 * q2)
    t_fast = _median_time(lambda: cross_moment("relu", q1, q2, q12), args.repeats)
    t_base = _median_time(lambda: relu_baseline(q1, q2, q12), args.repeats)
    hard = [(1.0, 1.0, -1 + 1e-12), (2.0, 3.0, -np.sqrt(6.0) * (1 - 1e-8)), (1.0, 1.0, 0.3)]
    ref = lambda a, b, d: cross_moment("relu", a, b, d, dps=30)  # noqa: E731
    err_fast = max_rel(lambda a, b, d: cross_moment("relu", a, b, d), hard, ref)
    err_base = max_rel(relu_baseline, hard, ref)
    print(
        f"ReLU W: {args.n / t_fast:.3g} evals/s (asymptote) vs {args.n / t_base:.3g} (baseline), "
        f"time ratio {t_fast / t_base:.2f}; max rel. error {err_fast:.1e} vs {err_base:.1e}"
    )

    q = 10 ** rng.uniform(-8, 8, args.n)
    start = time.perf_counter()
    second_moment("tanh", q[:10])  # builds the Chebyshev table once
    print(f"tanh table construction: {time.perf_counter() - start:.2f} s (once per process)")
    t_fast = _median_time(lambda: second_moment("tanh", q), args.repeats)
    t_base = _median_time(lambda: tanh_baseline(q), max(1, args.repeats // 2))
    hard = [(4.0,), (1e6,), (0.37,), (1e-6,)]
    ref = lambda a: second_moment("tanh", a, dps=30)  # noqa: E731
    err_fast = max_rel(lambda a: second_moment("tanh", a), hard, ref)
    err_base = max_rel(tanh_baseline, hard, ref)
    print(
        f"tanh V: {args.n / t_fast:.3g} evals/s (asymptote) vs {args.n / t_base:.3g} "
        f"(Gauss-Hermite 200), time ratio {t_fast / t_base:.2f}; max rel. error "
        f"{err_fast:.1e} vs {err_base:.1e}"
    )


if __name__ == "__main__":
    main()
