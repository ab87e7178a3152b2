"""Benchmark: deep NNGP/NTK Gram matrices, fast path vs a straightforward numpy baseline.

Run: ``python benchmarks/bench_kernels.py [--n 1000] [--depth 100] [--repeats 3]
[--smooth-depth 10] [--smooth-ratio-n 300] [--only-smooth]``.

The second section times smooth activations without closed forms (tanh, GELU) through the
Mehler engine of :mod:`asymptote.numeric.mehler_gram`, against the textbook Gauss-Hermite
product rule of :func:`gauss_hermite_baseline` (the baseline at fewer inputs, both timed on
the same ones, so the ratio is measured; the engine also at ``--n``).

Measured on a shared 2-core machine, so only ratios within one run mean anything: each
repeat runs the engine and the baseline back to back (alternating which goes first), and
the printed times are medians.

The fast path is the compiled engine of :mod:`asymptote.numeric.kernel_engine` (warmed up
once before timing, so compilation is not counted). When ``neural_tangents`` is importable
it is timed too (``stax.serial`` of ``depth`` Dense/nonlinearity blocks and a readout Dense,
float64, ``kernel_fn`` jitted and warmed up); its row is omitted otherwise.

The baseline is the textbook recursion as neural-tangents writes it: correlations
c = K12 / sqrt(K11 K22) clipped to [-1, 1] and the arc-cosine / arcsine formulas applied to
the whole matrix, diagonal included (so 1 - c on the diagonal carries rounding). Both run
in the same process; times are medians over ``repeats``; accuracy is measured against the
mpmath recursion (30 digits) at the entries of :func:`sample_inputs`: the diagonal, generic
pairs, equal inputs, inputs 1e-7 and 1e-4 apart, parallel inputs with norms 2^-30 apart
and nearly opposite ones. (The erf case, sigma_w = 1.8, is chaotic, chi_1 ~ 1.4: over 100
layers the gap 1 - c of a near-parallel pair grows ~1e15-fold, which 30 digits absorb.)
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import mpmath
import numpy as np

from asymptote.kernels import nngp_ntk


def baseline(name: str, sw: float, sb: float, x: np.ndarray, depth: int):
    sw2, sb2 = sw * sw, sb * sb
    sig = x @ x.T / x.shape[1]
    theta = np.zeros_like(sig)
    for _ in range(depth):
        k = sw2 * sig + sb2
        t = k + sw2 * theta
        d = np.sqrt(np.diag(k))
        if name == "relu":
            c = np.clip(k / np.outer(d, d), -1.0, 1.0)
            ang = np.arccos(c)
            sig = np.outer(d, d) * (np.sin(ang) + (np.pi - ang) * c) / (2 * np.pi)
            theta = (np.pi - ang) / (2 * np.pi) * t
        else:  # erf
            dd = 1 + 2 * np.diag(k)
            sig = 2 / np.pi * np.arcsin(np.clip(2 * k / np.sqrt(np.outer(dd, dd)), -1, 1))
            theta = 4 / np.pi / np.sqrt(np.outer(dd, dd) - 4 * k * k) * t
    k = sw2 * sig + sb2
    return k, k + sw2 * theta


def neural_tangents_fn(name: str, sw: float, sb: float, depth: int):
    """``kernel_fn(x)`` of neural-tangents' stax for the same network, or ``None``."""
    try:
        import jax
        from neural_tangents import stax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    phi = stax.Relu() if name == "relu" else stax.Erf()
    blocks = [stax.Dense(1, W_std=sw, b_std=sb), phi] * depth
    _, _, kernel_fn = stax.serial(*blocks, stax.Dense(1, W_std=sw, b_std=sb))
    kernel_fn = jax.jit(kernel_fn, static_argnames="get")

    def run(x: np.ndarray):
        out = kernel_fn(x, None, get=("nngp", "ntk"))
        return np.asarray(out.nngp), np.asarray(out.ntk)

    return run


def reference_entries(name: str, sw: float, sb: float, x: np.ndarray, depth: int, idx):
    rows = sorted({i for pair in idx for i in pair})
    sub = x[rows]
    pair = nngp_ntk(name, sw, sb, sub.tolist(), depth=depth, dps=30)
    where = {r: n for n, r in enumerate(rows)}
    return {(i, j): (pair.nngp[where[i], where[j]], pair.ntk[where[i], where[j]]) for i, j in idx}


def max_rel_error(mat: np.ndarray, refs: dict, which: int) -> float:
    """Max relative error of ``mat`` at the reference entries (which = 0: NNGP, 1: NTK)."""
    worst = 0.0
    with mpmath.workdps(30):
        for (i, j), values in refs.items():
            ref = values[which]
            worst = max(worst, float(abs(mpmath.mpf(mat[i, j]) - ref) / abs(ref)))
    return worst


def sample_inputs(n: int, rng: np.random.Generator) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """``n`` random inputs in 16 dimensions, some rows replaced by near-parallel pairs, and
    the pairs whose entries are checked: diagonal, generic, and near c = +-1."""
    x = rng.normal(size=(n, 16))
    x[5] = x[4]  # equal inputs: the off-diagonal entry at c = 1
    x[7] = x[6] + 1e-7 * rng.normal(size=16)  # nearly parallel
    x[9] = x[8] * (1 + 2.0**-30)  # parallel, norms differing by 2^-30
    x[11] = x[10] + 1e-4 * rng.normal(size=16)
    x[13] = -x[12] + 1e-6 * rng.normal(size=16)  # nearly opposite
    idx = [(0, 0), (n - 1, n - 1), (0, 1), (2, 3), (4, 5), (6, 7), (8, 9), (10, 11), (12, 13)]
    return x, idx


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--depth", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--smooth-depth", type=int, default=10)
    parser.add_argument("--smooth-ratio-n", type=int, default=300)
    parser.add_argument("--only-smooth", action="store_true")
    args = parser.parse_args()
    if args.only_smooth:
        smooth_section(args.n, args.smooth_ratio_n, args.smooth_depth, args.repeats)
        return
    x, idx = sample_inputs(args.n, np.random.default_rng(0))
    print(
        f"{args.n} inputs ({args.n * (args.n + 1) // 2} pairs), depth {args.depth}, NNGP + NTK; "
        f"medians of {args.repeats}, baseline and engine interleaved; max relative errors "
        f"against mpmath (30 digits) at {len(idx)} entries (diagonal, generic, near c = +-1)"
    )
    for name, sw, sb in (("relu", math.sqrt(2), 0.05), ("erf", 1.8, 0.1)):
        t_fast, t_base, t_nt = [], [], []
        nt = neural_tangents_fn(name, sw, sb, args.depth)
        start = time.perf_counter()
        nngp_ntk(name, sw, sb, x[:3], depth=2)  # compile (or load) the engine outside the timing
        t_first = time.perf_counter() - start
        if nt is not None:
            nt(x[:3])
        for rep in range(args.repeats):
            if nt is not None:
                start = time.perf_counter()
                nt_out = nt(x)
                t_nt.append(time.perf_counter() - start)
            # alternate which side runs first, so that neither always finds a warmer machine
            for side in ("fast", "base") if rep % 2 == 0 else ("base", "fast"):
                start = time.perf_counter()
                if side == "fast":
                    fast = nngp_ntk(name, sw, sb, x, depth=args.depth)
                    t_fast.append(time.perf_counter() - start)
                else:
                    base = baseline(name, sw, sb, x, args.depth)
                    t_base.append(time.perf_counter() - start)
        refs = reference_entries(name, sw, sb, x, args.depth, idx)
        mf, mb = statistics.median(t_fast), statistics.median(t_base)
        print(
            f"{name:>5}: baseline {mb:7.2f} s, engine {mf:7.2f} s, ratio engine/baseline "
            f"{mf / mb:5.2f} (engine's first call, compile or cache load: {t_first:.1f} s)\n"
            f"{'':>7}max rel. error NNGP: engine {max_rel_error(fast.nngp, refs, 0):.1e}, "
            f"baseline {max_rel_error(base[0], refs, 0):.1e}; NTK: engine "
            f"{max_rel_error(fast.ntk, refs, 1):.1e}, baseline {max_rel_error(base[1], refs, 1):.1e}"
        )
        if nt is not None:
            mn = statistics.median(t_nt)
            print(
                f"{'':>7}neural-tangents {mn:7.2f} s, engine / neural-tangents "
                f"{mf / mn:5.2f}; max rel. error NNGP {max_rel_error(nt_out[0], refs, 0):.1e}, "
                f"NTK {max_rel_error(nt_out[1], refs, 1):.1e}"
            )
        else:
            print(f"{'':>7}neural-tangents not installed: not timed")
    smooth_section(args.n, args.smooth_ratio_n, args.smooth_depth, args.repeats)


#: Gauss-Hermite degree of the smooth-activation baseline (neural-tangents'
#: ``stax.ElementwiseNumerical`` default: deg**2 nodes per pair)
GH_DEGREE = 25


def gauss_hermite_baseline(name: str, sw: float, sb: float, x: np.ndarray, depth: int,
                           chunk: int = 20000):
    """The textbook float64 recursion for an activation without closed forms: W and W' of
    every pair (diagonal included) by a ``GH_DEGREE``-point Gauss-Hermite product rule in
    the whitened coordinates u = sqrt(q1) z1, v = sqrt(q2) (c z1 + sqrt(1 - c^2) z2), the
    method of neural-tangents' ``ElementwiseNumerical``; pairs in chunks."""
    from asymptote.activations import activation

    act = activation(name)
    nodes, weights = np.polynomial.hermite_e.hermegauss(GH_DEGREE)
    weights = weights / weights.sum()
    z1, z2 = np.meshgrid(nodes, nodes, indexing="ij")
    w2 = np.outer(weights, weights).ravel()
    z1, z2 = z1.ravel(), z2.ravel()
    n = x.shape[0]
    rows, cols = np.triu_indices(n)
    sig = (x @ x.T / x.shape[1])[rows, cols]
    diag = np.einsum("ij,ij->i", x, x) / x.shape[1]
    theta = np.zeros_like(sig)
    sw2, sb2 = sw * sw, sb * sb
    for _ in range(depth):
        k, kd = sw2 * sig + sb2, sw2 * diag + sb2
        t = k + sw2 * theta
        q1, q2 = kd[rows], kd[cols]
        c = np.clip(k / np.sqrt(q1 * q2), -1.0, 1.0)
        new_sig, new_dot = np.empty_like(sig), np.empty_like(sig)
        for lo in range(0, sig.size, chunk):
            sl = slice(lo, lo + chunk)
            r1, r2, cc = np.sqrt(q1[sl])[:, None], np.sqrt(q2[sl])[:, None], c[sl][:, None]
            u = r1 * z1
            v = r2 * (cc * z1 + np.sqrt(1 - cc * cc) * z2)
            new_sig[sl] = (act.phi_np(u) * act.phi_np(v)) @ w2
            new_dot[sl] = (act.dphi_np(u) * act.dphi_np(v)) @ w2
        on_diag = rows == cols
        sig, theta = new_sig, t * new_dot
        diag = sig[on_diag]
    k = sw2 * sig + sb2
    t = k + sw2 * theta
    nngp, ntk = np.empty((n, n)), np.empty((n, n))
    for out, upper in ((nngp, k), (ntk, t)):
        out[rows, cols] = upper
        out[cols, rows] = upper
    return nngp, ntk


def smooth_section(n: int, n_ratio: int, depth: int, repeats: int) -> None:
    """Smooth activations without closed forms (issue 14: 1000 x 1000, depth 10, in
    seconds): the Mehler engine at ``n`` inputs, and engine against the Gauss-Hermite
    baseline at ``n_ratio`` inputs (same inputs, interleaved); errors against the mpmath
    recursion (20 digits) at the entries of a few rows (diagonal, generic and, for tanh, a
    pair 1e-6 apart; GELU's 20-digit product rule near c = 1 takes ~30 s a transform)."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(n, 16))
    x[3] = x[2] + 1e-6 * rng.normal(size=16)
    print(f"\nsmooth activations: depth {depth}, NNGP + NTK; engine at {n} inputs "
          f"({n * (n + 1) // 2} pairs); engine / Gauss-Hermite ({GH_DEGREE}^2 nodes) at "
          f"{n_ratio} inputs; max relative errors against mpmath (20 digits)")
    for name, sw, sb, rows in (("tanh", 1.5, 0.1, [0, 1, 2, 3]), ("gelu", 1.4, 0.1, [0, 1, 4])):
        sub = x[rows]
        nngp_ntk(name, sw, sb, x[:3], depth=2)  # compile outside the timing
        t_big, t_fast, t_base = [], [], []
        for rep in range(repeats):
            start = time.perf_counter()
            big = nngp_ntk(name, sw, sb, x, depth=depth)
            t_big.append(time.perf_counter() - start)
            for side in ("fast", "base") if rep % 2 == 0 else ("base", "fast"):
                start = time.perf_counter()
                if side == "fast":
                    nngp_ntk(name, sw, sb, x[:n_ratio], depth=depth)
                    t_fast.append(time.perf_counter() - start)
                else:
                    base = gauss_hermite_baseline(name, sw, sb, x[:n_ratio], depth)
                    t_base.append(time.perf_counter() - start)
        ref = nngp_ntk(name, sw, sb, sub, depth=depth, dps=20)
        ref_k = np.array(ref.nngp.tolist(), dtype=float)
        ref_t = np.array(ref.ntk.tolist(), dtype=float)

        def err(mat: np.ndarray, which: np.ndarray, rows: list[int] = rows) -> float:
            return float(np.max(np.abs(mat[np.ix_(rows, rows)] / which - 1)))

        mf, mb = statistics.median(t_fast), statistics.median(t_base)
        print(
            f"{name:>5}: engine {statistics.median(t_big):6.2f} s at {n} inputs; at {n_ratio}: "
            f"Gauss-Hermite {mb:6.2f} s, engine {mf:5.2f} s, ratio engine/baseline "
            f"{mf / mb:6.3f}\n{'':>7}max rel. error NNGP: engine {err(big.nngp, ref_k):.1e}, "
            f"Gauss-Hermite {err(base[0], ref_k):.1e}; NTK: engine {err(big.ntk, ref_t):.1e}, "
            f"Gauss-Hermite {err(base[1], ref_t):.1e}"
        )


if __name__ == "__main__":
    main()
