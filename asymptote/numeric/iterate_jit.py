r"""Compiled (numba) inner loop of :func:`asymptote.numeric.iterate.iterate` for positively
homogeneous activations (alpha-ReLU, ReLU, leaky ReLU, ...).

The loop body is generated from the same SymPy scaled increments the numpy path lambdifies
(:func:`asymptote.numeric.iterate._scaled_functions`), printed with ``sympy.pycode`` into a
kernel that runs over the grid points in parallel and over depth sequentially, so a single
trajectory to depth :math:`10^6` takes well under a second instead of minutes of Python-level
numpy calls. The kernel gap :math:`G` is evaluated from the same piecewise-Chebyshev tables
(:mod:`asymptote.numeric.gap_tables`). Tests compare it with the numpy path to rounding.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
import sympy

__all__ = ["compiled_kernel", "numba_available"]

try:  # numba is a dependency; keep the numpy path working if it cannot be imported
    import numba

    _NUMBA = True
except ImportError:  # pragma: no cover
    _NUMBA = False


def numba_available() -> bool:
    """Whether the compiled kernel can be used."""
    return _NUMBA


_TEMPLATE = '''
def _cheb(x, coef):
    b1 = 0.0
    b2 = 0.0
    for j in range(coef.shape[0] - 1, 0, -1):
        t = 2.0 * x * b1 - b2 + coef[j]
        b2 = b1
        b1 = t
    return x * b1 - b2 + coef[0]


def _gap(delta, pe, pc, ne, nc, low_value, low_slope, neg_floor):
    if delta <= 0.0:
        return 0.0
    if delta <= 1.0:
        s = math.log(delta)
        if s < pe[0]:
            return delta * math.exp(low_value + low_slope * (s - pe[0]))
        k = 0
        while k < pc.shape[0] - 1 and s >= pe[k + 1]:
            k += 1
        x = (2.0 * s - (pe[k] + pe[k + 1])) / (pe[k + 1] - pe[k])
        return delta * math.exp(_cheb(x, pc[k]))
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
    return _cheb(x, nc[k])


def kernel(ell0, r0, u0, s_w, s_b, s_v, s_a, depth, rec, deg, v1, m1, d1, has_grad,
           pe, pc, ne, nc, low_value, low_slope, neg_floor,
           out_lp, out_lq, out_r, out_u, out_chi, out_mult):
    n = ell0.shape[0]
    nrec = rec.shape[0]
    for i in numba.prange(n):
        ell = ell0[i]
        r = r0[i]
        u = u0[i]
        sigma_w = s_w[i]
        sigma_b = s_b[i]
        sigma_v = s_v[i]
        sigma_a = s_a[i]
        sw2 = sigma_w * sigma_w
        sb2 = sigma_b * sigma_b
        chi = 0.0
        nxt = 0
        for layer in range(1, depth + 1):
            log_q = ell + math.log(sw2 + sb2 * math.exp(-ell))
            vhat = v1 * math.exp(deg * log_q - ell)
            mhat = m1 * math.exp(0.5 * deg * log_q - 0.5 * ell)
            vd = d1 * math.exp((deg - 1.0) * log_q) if has_grad else 1.0
            delta = min(sw2 * u * math.exp(ell - log_q), 2.0)
            ghat = vhat * _gap(delta, pe, pc, ne, nc, low_value, low_slope, neg_floor)
            d_p = {d_p}
            d_m = {d_m}
            d_g = {d_g}
            log_d = {log_d}
            if layer == rec[nxt]:
{mult}
            grow = math.log1p(d_p)
            rho = math.exp(-grow)
            ell = ell + grow
            r = (r + d_m) * math.sqrt(rho)
            u = (u + d_g) * rho
            chi = chi + log_d
            if layer == rec[nxt]:
                out_lp[nxt, i] = ell
                out_lq[nxt, i] = log_q
                out_r[nxt, i] = r
                out_u[nxt, i] = u
                out_chi[nxt, i] = chi
                nxt += 1
                if nxt == nrec:
                    break
'''


@cache
def compiled_kernel(arch: str) -> Any:
    """The compiled kernel for architecture ``arch`` (cached per process)."""
    if not _NUMBA:  # pragma: no cover
        raise RuntimeError("numba is not available")
    from .iterate import _ell, _gh, _mh, _r, _scaled_expressions, _u, _vd, _vh

    names, exprs = _scaled_expressions(arch)
    rename = {
        _ell: sympy.Symbol("ell"), _r: sympy.Symbol("r"), _u: sympy.Symbol("u"),
        _vh: sympy.Symbol("vhat"), _mh: sympy.Symbol("mhat"), _gh: sympy.Symbol("ghat"),
        _vd: sympy.Symbol("vd"),
    }

    def code(expr: sympy.Expr) -> str:
        text = sympy.pycode(expr.subs(rename), fully_qualified_modules=True)
        return text.replace("numpy.", "math.")

    mult = "\n".join(
        f"                out_mult[{j}, nxt, i] = {code(exprs[4 + j])}" for j in range(len(names))
    ) or "                pass"
    src = _TEMPLATE.format(
        d_p=code(exprs[0]), d_m=code(exprs[1]), d_g=code(exprs[2]), log_d=code(exprs[3]),
        mult=mult,
    )
    namespace: dict[str, Any] = {"math": math, "numba": numba, "np": np}
    exec(compile(src, f"<asymptote kernel {arch}>", "exec"), namespace)
    jit = numba.njit(cache=False, fastmath=False)
    namespace["_cheb"] = jit(namespace["_cheb"])
    namespace["_gap"] = jit(namespace["_gap"])
    return numba.njit(parallel=True, cache=False, fastmath=False)(namespace["kernel"])
