"""Benchmark: V(q) = E[tanh(sqrt(q) z)^2] evaluations per second, and accuracy.

Compares, on one core, over q log-uniform in [1e-8, 1e8]:

* ``LogChebyshevTable`` (piecewise Chebyshev in log q, built once from ``expect_1d``);
* ``expect_1d`` (direct composite Gauss-Legendre quadrature, ~750 nodes per q);
* a straightforward baseline: numpy Gauss-Hermite with 200 nodes
  (``numpy.polynomial.hermite_e.hermegauss``).

Throughputs are medians over several repeats; accuracy is the relative error against a
30-digit mpmath tanh-sinh reference at a handful of q (including q = 4 and q = 1e6, where
the baseline's inaccuracy shows: the poles of tanh at u = i pi/2 lie at distance
pi/(2 sqrt q) from the real z axis).

Run: ``python benchmarks/bench_gaussian_np.py`` (pin to one core with ``taskset -c 0`` for
the single-core figure).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable

import mpmath
import numpy as np
from numpy.polynomial.hermite_e import hermegauss

from asymptote.numeric.gaussian_np import LogChebyshevTable, expect_1d

Array = np.ndarray
TANH_D = math.pi / 2
CHECK_QS = (1e-8, 1e-3, 0.5, 4.0, 37.0, 1e4, 1e6, 1e8)


def tanh2(u: Array) -> Array:
    return np.tanh(u) ** 2


def v_direct(q: Array) -> Array:
    return expect_1d(tanh2, q, singularity_distance=TANH_D)


_GH_X, _GH_W = hermegauss(200)
_GH_W = _GH_W / math.sqrt(2.0 * math.pi)


def v_gauss_hermite(q: Array, chunk: int = 8192) -> Array:
    """Baseline: 200-node Gauss-Hermite rule for the weight exp(-z^2/2)."""
    q = np.asarray(q, dtype=np.float64)
    out = np.empty(q.size)
    root = np.sqrt(q.ravel())
    for lo in range(0, q.size, chunk):
        hi = min(q.size, lo + chunk)
        out[lo:hi] = np.tanh(root[lo:hi, None] * _GH_X) ** 2 @ _GH_W
    return out.reshape(q.shape)


def reference(q: float) -> float:
    """30-digit E[tanh(sqrt(q) z)^2] by tanh-sinh, split at 0 and +-4^j / sqrt(q)."""
    with mpmath.workdps(30):
        r = mpmath.sqrt(mpmath.mpf(q))
        pts = {mpmath.mpf(0), mpmath.mpf(1), mpmath.mpf(-1), mpmath.mpf(4), mpmath.mpf(-4)}
        step = 1 / r
        while step < 1:
            pts |= {step, -step}
            step *= 4
        val = mpmath.quad(
            lambda x: mpmath.tanh(r * x) ** 2 * mpmath.npdf(x),
            [mpmath.ninf, *sorted(pts), mpmath.inf],
        )
        return float(val)


def rate(fn: Callable[[Array], Array], q: Array, repeats: int) -> tuple[float, list[float]]:
    """Median evaluations per second of ``fn(q)`` over ``repeats`` runs (after a warm-up)."""
    fn(q[: min(q.size, 1000)])
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(q)
        times.append(time.perf_counter() - start)
    return q.size / statistics.median(times), times


def main() -> None:
    rng = np.random.default_rng(12345)

    def sample(n: int) -> Array:
        return np.exp(rng.uniform(math.log(1e-8), math.log(1e8), n))

    builds = []
    table = None
    for _ in range(5):
        table = LogChebyshevTable(v_direct)
        builds.append(table.build_seconds)
    assert table is not None
    print(f"table: {table!r}")
    print(
        f"  construction: median {statistics.median(builds) * 1e3:.1f} ms over {len(builds)} "
        f"builds ({table.n_pieces * table.degree + 1} expect_1d evaluations)"
    )

    runs = [
        ("LogChebyshevTable", table, sample(1_000_000), 9),
        ("expect_1d (direct)", v_direct, sample(20_000), 5),
        ("Gauss-Hermite 200 (baseline)", v_gauss_hermite, sample(200_000), 5),
    ]
    rates = {}
    print("\nthroughput, V-evaluations per second (median of repeats):")
    for name, fn, q, repeats in runs:
        r, times = rate(fn, q, repeats)
        rates[name] = r
        spread = f"{min(times) * 1e3:.1f}-{max(times) * 1e3:.1f} ms"
        print(f"  {name:30s} {r:10.3e} /s   (n = {q.size}, {repeats} repeats, {spread})")
    base = rates["Gauss-Hermite 200 (baseline)"]
    print(f"  ratio table / baseline:  {rates['LogChebyshevTable'] / base:8.2f}")
    print(f"  ratio direct / baseline: {rates['expect_1d (direct)'] / base:8.4f}")

    print("\nrelative error against 30-digit mpmath:")
    q = np.array(CHECK_QS)
    refs = np.array([reference(v) for v in CHECK_QS])
    results = {
        "LogChebyshevTable": table(q),
        "expect_1d (direct)": v_direct(q),
        "Gauss-Hermite 200 (baseline)": v_gauss_hermite(q),
    }
    print("  " + " " * 30 + "".join(f"{v:>10.0e}" for v in CHECK_QS) + "       max")
    for name, vals in results.items():
        err = np.abs(vals - refs) / np.abs(refs)
        print(f"  {name:30s}" + "".join(f"{e:10.1e}" for e in err) + f"{err.max():10.1e}")


if __name__ == "__main__":
    main()
