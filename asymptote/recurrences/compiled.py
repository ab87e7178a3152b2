r"""Compiled (numba) inner loop of :func:`asymptote.recurrences.iterate.iterate` for positively
homogeneous activations (alpha-ReLU, ReLU, leaky ReLU, ...).

The per-layer increments are the same SymPy scaled increments the numpy path lambdifies
(:func:`asymptote.recurrences._increments.scaled_expressions`), lambdified with the ``math`` module
and jitted; one fixed kernel takes them as a function argument and runs over the grid points
in parallel and over depth sequentially, so a single
trajectory to depth :math:`10^6` takes well under a second instead of minutes of Python-level
numpy calls. The kernel gap :math:`G` is evaluated from the same piecewise-Chebyshev tables
(:mod:`asymptote.recurrences.gap_tables`). Tests compare it with the numpy path to rounding.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import sympy

from ._increments import STEP_ARGUMENTS, scaled_expressions

__all__ = ["compiled_kernel", "numba_available"]

try:  # numba is a dependency; keep the numpy path working if it cannot be imported
    import numba

    _NUMBA = True
except ImportError:  # pragma: no cover
    _NUMBA = False


def numba_available() -> bool:
    """Whether the compiled kernel can be used."""
    return _NUMBA


def _cheb(x: float, coef: Any) -> float:
    b1 = 0.0
    b2 = 0.0
    for j in range(coef.shape[0] - 1, 0, -1):
        t = 2.0 * x * b1 - b2 + coef[j]
        b2 = b1
        b1 = t
    return x * b1 - b2 + coef[0]


def _gap(delta: float, pe: Any, pc: Any, ne: Any, nc: Any, low_value: float,
         low_slope: float, neg_floor: float, excess_slope: float) -> float:
    if delta <= 0.0:
        return 0.0
    if delta <= 1.0:
        s = math.log(delta)
        if s < pe[0]:
            tab = low_value + low_slope * (s - pe[0])
        else:
            k = 0
            while k < pc.shape[0] - 1 and s >= pe[k + 1]:
                k += 1
            x = (2.0 * s - (pe[k] + pe[k + 1])) / (pe[k + 1] - pe[k])
            tab = _cheb_jit(x, pc[k])
        if excess_slope > 0.0:  # excess form: G = J'(1) delta - X, X = delta exp(tab)
            return delta * (excess_slope - math.exp(tab))
        return delta * math.exp(tab)
    xx = 2.0 - min(delta, 2.0)
    if xx <= 0.0:
        return neg_floor
    t = math.log(xx)
    if t < ne[0]:
        return neg_floor
    k = 0
    while k < nc.shape[0] - 1 and t >= ne[k + 1]:
        k += 1
    x = (2.0 * t - (ne[k] + ne[k + 1])) / (ne[k + 1] - ne[k])
    return _cheb_jit(x, nc[k])


def _advance(res: Any, ell: float, r: float, u: float, chi: float) -> tuple[float, float,
                                                                         float, float]:
    """The normalized state after one step: ``res = (dp/p, dr, du, dlog chi, ...)`` from the
    derived increments; log p grows by log(1 + dp/p) and r, u are rescaled by the growth."""
    grow = math.log1p(res[0])
    rho = math.exp(-grow)
    return ell + grow, (r + res[1]) * math.sqrt(rho), (u + res[2]) * rho, chi + res[3]


def _kernel(step: Any, n_mult: int, ell0: Any, r0: Any, u0: Any, s_w: Any, s_b: Any, s_v: Any,
            s_a: Any, depth: int, rec: Any, deg: float, v1: float, m1: float, d1: float,
            has_grad: bool, pe: Any, pc: Any, ne: Any, nc: Any, low_value: float,
            low_slope: float, neg_floor: float, excess_slope: float, out_lp: Any, out_lq: Any,
            out_r: Any,
            out_u: Any, out_chi: Any, out_mult: Any) -> None:
    n = ell0.shape[0]
    nrec = rec.shape[0]
    for i in numba.prange(n):
        ell = ell0[i]
        r = r0[i]
        u = u0[i]
        sw2 = s_w[i] * s_w[i]
        sb2 = s_b[i] * s_b[i]
        chi = 0.0
        nxt = 0
        for layer in range(1, depth + 1):
            log_q = ell + math.log(sw2 + sb2 * math.exp(-ell))
            vhat = v1 * math.exp(deg * log_q - ell)
            mhat = m1 * math.exp(0.5 * deg * log_q - 0.5 * ell)
            vd = d1 * math.exp((deg - 1.0) * log_q) if has_grad else 1.0
            delta = min(sw2 * u * math.exp(ell - log_q), 2.0)
            ghat = vhat * _gap_jit(delta, pe, pc, ne, nc, low_value, low_slope, neg_floor,
                                   excess_slope)
            res = step(ell, r, u, vhat, mhat, ghat, vd, s_w[i], s_b[i], s_v[i], s_a[i], 0.0)
            if layer == rec[nxt]:
                for j in range(n_mult):
                    out_mult[j, nxt, i] = res[4 + j]
            ell, r, u, chi = _advance_jit(res, ell, r, u, chi)
            if layer == rec[nxt]:
                out_lp[nxt, i] = ell
                out_lq[nxt, i] = log_q
                out_r[nxt, i] = r
                out_u[nxt, i] = u
                out_chi[nxt, i] = chi
                nxt += 1
                if nxt == nrec:
                    break


if _NUMBA:
    _cheb_jit = numba.njit(cache=False)(_cheb)
    _gap_jit = numba.njit(cache=False)(_gap)
    _advance_jit = numba.njit(cache=False)(_advance)
    _kernel_jit = numba.njit(parallel=True, cache=False)(_kernel)


@cache
def _step_function(arch: str) -> tuple[int, Any]:
    """The scaled increments of ``arch`` lambdified (SymPy, ``math`` module) and jitted."""
    names, exprs = scaled_expressions(arch)
    return len(names), _jitted_step(exprs)


@cache
def _core_step_function(arch: str) -> Any:
    """The first four scaled increments of ``arch`` (``Delta_p, Delta_m, Delta_g, log D``),
    jitted: what every layer needs; the log parameter multipliers (:func:`_step_function`)
    are only needed at recorded layers."""
    return _jitted_step(scaled_expressions(arch)[1][:4])


def _jitted_step(exprs: list[sympy.Expr]) -> Any:
    # a float zero argument keeps every entry a float (a literal 0 would make the tuple
    # heterogeneous, which numba cannot index with a loop variable)
    zero = sympy.Symbol("float_zero")
    args = [*STEP_ARGUMENTS, zero]
    step = sympy.lambdify(args, tuple(e + zero for e in exprs), modules="math")
    return numba.njit(cache=False)(step)


def compiled_kernel(arch: str) -> Callable[..., None]:
    """A callable running the compiled kernel of architecture ``arch``.

    Its arguments are those of the kernel after ``step`` and ``n_mult`` (see ``_kernel``).
    """
    if not _NUMBA:  # pragma: no cover
        raise RuntimeError("numba is not available")
    n_mult, step = _step_function(arch)

    def run(*args: Any) -> None:
        _kernel_jit(step, n_mult, *args)

    return run
