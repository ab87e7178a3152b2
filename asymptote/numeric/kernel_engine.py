r"""Compiled float64 NNGP/NTK Gram matrices for activations with closed-form kernels.

The recursion is the feedforward one of :mod:`asymptote.kernels` with the Dense coefficients
:math:`A, B, C` read off the derived recurrence (:mod:`asymptote.recurrences.kernel_structure`, passed in by :mod:`asymptote.kernels`);
each nonlinearity applies the *transform pair* :math:`(\mathcal{W}\phi, \mathcal{W}\phi')` of
the activation's registered closed form, computed together from one angle. One compiled
(numba) loop runs each pair :math:`i < j` of a symmetric Gram matrix (or each pair of a
cross Gram matrix) through all layers in registers, in parallel over rows; memory is the
output plus per-row tables of the diagonal (:math:`O(n L)`).

Accuracy near :math:`c = 1`
--------------------------
A textbook recursion forms :math:`c = \lambda/\sqrt{q_1 q_2}` and then :math:`\arccos c`:
:math:`1 - c` carries an absolute error of an ulp, so the angle
:math:`\vartheta \approx \sqrt{2(1-c)}` an error :math:`\sim u/\vartheta`, which reaches
:math:`10^{-8}` for equal inputs (and 9 lost digits of deep critical ReLU kernels). Here each
pair carries, besides :math:`\lambda`, the gaps

.. math:: g = \sqrt{q_1 q_2} - \lambda = \sqrt{q_1q_2}\,(1 - c) \ge 0, \qquad
          h = \sqrt{q_1 q_2} + \lambda = \sqrt{q_1q_2}\,(1 + c) \ge 0,

each updated without cancellation:

* the Dense map (:math:`q_i = A p_i + B`, :math:`\lambda = A\gamma + B`) gives exactly
  :math:`\sqrt{q_1q_2} - (A\sqrt{p_1p_2} + B) = AB(\sqrt{p_1} - \sqrt{p_2})^2 /
  (\sqrt{q_1q_2} + A\sqrt{p_1p_2} + B) =: \Delta \ge 0`, so :math:`g = \Delta + A\,g_p` and
  :math:`h = \Delta + A\,h_p + 2B` with :math:`g_p = \sqrt{p_1p_2} - \gamma`,
  :math:`h_p = \sqrt{p_1p_2} + \gamma` (all terms :math:`\ge 0` since :math:`A, B \ge 0`);
* the nonlinearity gives :math:`g_p = \sqrt{\mathcal{V}(q_1)\mathcal{V}(q_2)} - \mathcal{W}`
  and :math:`h_p = \sqrt{\mathcal{V}(q_1)\mathcal{V}(q_2)} + \mathcal{W}` from the closed
  form written in the gaps (below);
* the input layer forms :math:`g, h` for :math:`|c| > 1/2` from the unit vectors,
  :math:`1 \mp c = \tfrac12\lVert x_1/\lVert x_1\rVert \mp x_2/\lVert x_2\rVert\rVert^2`.

Then :math:`\sin\vartheta = \sqrt{g h}/\sqrt{q_1q_2}` and :math:`\vartheta =
\operatorname{atan2}(\sqrt{gh}, \lambda)` are accurate to a few ulps for every :math:`c`, and
:math:`\lambda` itself is taken as :math:`\sqrt{q_1q_2} - g` where :math:`g \le
\sqrt{q_1q_2}/2` (as :math:`h - \sqrt{q_1q_2}` where :math:`h \le \sqrt{q_1q_2}/2`).

Depth: the diagonal (:math:`q_i, \Theta_i`), the coefficients :math:`A, B, C` (so
:math:`\sigma_w^2` of a float :math:`\sigma_w` is exact), :math:`\sqrt{q_1q_2}` and the NTK of
each pair are carried in double-double arithmetic (:mod:`asymptote.numeric.double_double`).
In float64 the critical ReLU map :math:`q \mapsto \sigma_w^2 q/2` rounds the same way in
every layer (a bias of up to half an ulp per layer, :math:`10^{-13}` after 1000 layers);
carried to 106 bits it does not. Per-layer transforms are float64 (errors of a few ulps that
vary from layer to layer); what is left is measured in ``tests/unit/test_kernels_accuracy.py``.

Transform pairs (each checked against the registered closed forms at 40 digits in the tests)
--------------------------------------------------------------------------------------------
*(a, b)-ReLU* :math:`\phi = a u_+ - b(-u)_+ = \ell\,u + m\,|u|` with :math:`\ell = (a+b)/2`,
:math:`m = (a-b)/2` (the split of [CS09, eq. (6)] used by the registered form; ReLU and
alpha-ReLU at :math:`\alpha = 1` are :math:`\ell = m = 1/2`). With
:math:`S = \sqrt{q_1q_2}`, :math:`r = \sqrt{gh} = S\sin\vartheta`,
:math:`t = \arccos|c| = \operatorname{atan2}(r, |\lambda|)` and
:math:`S\,G(t) = S(\sin t - t\cos t) = r - t|\lambda|` (by its Taylor series
:math:`S\sum_{n\ge1}(-1)^{n+1}2n\,t^{2n+1}/(2n+1)!` for :math:`t < 1/2`, where the difference
cancels):

.. math::

    E|u||v| = S\kappa = |\lambda| + \tfrac{2}{\pi} S G(t), \qquad
    \mathcal{W} = \ell^2\lambda + m^2 S\kappa, \qquad
    \mathcal{W}\phi' = \ell^2 + m^2\,\tfrac{2}{\pi}\arcsin c,

    \sqrt{\mathcal{V}_1\mathcal{V}_2} - \mathcal{W} = \ell^2 g + m^2\big(g_{|c|} -
        \tfrac{2}{\pi} S G(t)\big), \qquad
    \sqrt{\mathcal{V}_1\mathcal{V}_2} + \mathcal{W} = \ell^2 h + m^2 (S + S\kappa),

with :math:`\mathcal{V}_i = (\ell^2 + m^2) q_i`, :math:`g_{|c|} = S(1 - |c|)` (:math:`g` or
:math:`h`) and :math:`E[\mathrm{sign}\,u\,\mathrm{sign}\,v] = \tfrac2\pi\arcsin c`
[CS09, eq. (6), n = 0]. :math:`\mathcal{W}\phi'` is formed as
:math:`(\ell^2 + m^2) - m^2\tfrac{2}{\pi}t` for :math:`c \ge 0` (so equal inputs give exactly
:math:`\mathcal{V}\phi'`) and :math:`(\ell^2 - m^2) + m^2\tfrac2\pi t` for :math:`c < 0`.
:math:`g_{|c|} - \tfrac2\pi SG(t) \ge 0.36\,g_{|c|}` (:math:`\tfrac2\pi G(t) \le
0.64(1-\cos t)` on :math:`[0, \pi/2]`), so nothing cancels.

*erf* [W97, eq. (11)]: :math:`\mathcal{W} = \tfrac2\pi\operatorname{atan2}(2\lambda,\sqrt D)`,
:math:`\mathcal{W}\phi' = 4/(\pi\sqrt D)`, :math:`D = 1 + 2(q_1+q_2) + 4gh`
(:math:`gh = q_1q_2 - \lambda^2`).

*sin* [GAUSS]: :math:`\mathcal{W} = \tfrac12\operatorname{sign}(\lambda)e^{-(m - |\lambda|)}
(1 - e^{-2|\lambda|})`, :math:`\mathcal{W}\phi' = \tfrac12 e^{-(m-|\lambda|)}(1 +
e^{-2|\lambda|})`, :math:`m - |\lambda| = (\sqrt{q_1} - \sqrt{q_2})^2/2 + g_{|c|}`.

For erf and sin (analytic kernels, no :math:`\sqrt{1-c}` singularity) the gaps after the
nonlinearity are formed by subtraction, :math:`\sqrt{\mathcal{V}_1\mathcal{V}_2} \mp
\mathcal{W}`: an absolute error of an ulp of :math:`S`, which these kernels do not amplify.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import numba
import numpy as np

from .double_double import dd_add, dd_add_d, dd_mul, dd_mul_d, dd_sqrt, two_prod

__all__ = [
    "ARCCOS1",
    "ERF",
    "ERF_PAIR",
    "SIN",
    "SIN_PAIR",
    "FusedFamily",
    "arccos_pair",
    "fused_gram",
    "pair_transform",
    "series_g",
]

#: family codes of the compiled loop
ARCCOS1, ERF, SIN = 0, 1, 2

_TWO_OVER_PI = 2.0 / math.pi
_HALF_PI = 0.5 * math.pi


def _g_coefficients(terms: int) -> np.ndarray:
    r"""Coefficients of :math:`G(t)/t^3 = \sum_{n\ge1} (-1)^{n+1} 2n\,t^{2n-2}/(2n+1)!`."""
    out = []
    for n in range(1, terms + 1):
        out.append(float(Fraction((-1) ** (n + 1) * 2 * n, math.factorial(2 * n + 1))))
    return np.array(out)


#: 9 terms: for t < 1/2 the first neglected term is below 1e-20 of the sum.
_G_COEF = _g_coefficients(9)


@numba.njit(cache=True)
def series_g(t: float) -> float:
    r""":math:`G(t) = \sin t - t\cos t` for :math:`0 \le t < 1/2` by its Taylor series."""
    t2 = t * t
    acc = 0.0
    for k in range(_G_COEF.shape[0] - 1, -1, -1):
        acc = acc * t2 + _G_COEF[k]
    return acc * t2 * t


@numba.njit(cache=True)
def _arccos1(
    s: float, lam: float, g: float, h: float, l2: float, m2: float, vch: float, vcl: float
) -> tuple[float, float, float, float, float]:
    """(a, b)-ReLU: W, sqrt(V1 V2) - W, sqrt(V1 V2) + W, and W_d as a double-double."""
    if s <= 0.0:  # a zero variance: u or v vanishes; W = l^2 lam = 0, W_d at c = 0
        return 0.0, 0.0, 0.0, l2, 0.0
    r = math.sqrt(g * h)
    a = abs(lam)
    t = math.atan2(r, a)  # arccos |c|
    sg = s * series_g(t) if t < 0.5 else r - t * a
    s_kappa = a + _TWO_OVER_PI * sg
    gap_abs = g if lam >= 0.0 else h
    w = l2 * lam + m2 * s_kappa
    gw = l2 * g + m2 * (gap_abs - _TWO_OVER_PI * sg)
    hw = l2 * h + m2 * (s + s_kappa)
    if lam >= 0.0:
        wdh, wdl = dd_add_d(vch, vcl, -m2 * _TWO_OVER_PI * t)
    else:
        wdh, wdl = (l2 - m2) + m2 * _TWO_OVER_PI * t, 0.0
    return w, gw, hw, wdh, wdl


@numba.njit(cache=True)
def _erf(
    qi: float, qj: float, lam: float, g: float, h: float, sp: float
) -> tuple[float, float, float, float, float]:
    sd = math.sqrt(1.0 + 2.0 * (qi + qj) + 4.0 * (g * h))
    w = _TWO_OVER_PI * math.atan2(2.0 * lam, sd)
    wd = 2.0 * _TWO_OVER_PI / sd
    return w, max(sp - w, 0.0), max(sp + w, 0.0), wd, 0.0


@numba.njit(cache=True)
def _sin(
    dsq: float, lam: float, g: float, h: float, sp: float
) -> tuple[float, float, float, float, float]:
    a = abs(lam)
    gap = g if lam >= 0.0 else h
    e = math.exp(-(0.5 * dsq * dsq + gap))
    w = -0.5 * e * math.expm1(-2.0 * a)
    if lam < 0.0:
        w = -w
    wd = 0.5 * e * (1.0 + math.exp(-2.0 * a))
    return w, max(sp - w, 0.0), max(sp + w, 0.0), wd, 0.0


@numba.njit(cache=True)
def _diag_transform(
    family: int, par: Any, qh: float, ql: float
) -> tuple[float, float, float, float]:
    """V and V_d at q (double-doubles)."""
    if family == ARCCOS1:
        vh, vl = dd_mul(par[2], par[3], qh, ql)
        return vh, vl, par[2], par[3]
    if family == ERF:
        sd = math.sqrt(1.0 + 4.0 * qh)
        return _TWO_OVER_PI * math.atan2(2.0 * qh, sd), 0.0, 2.0 * _TWO_OVER_PI / sd, 0.0
    return -0.5 * math.expm1(-2.0 * qh), 0.0, 0.5 * (1.0 + math.exp(-2.0 * qh)), 0.0


@numba.njit(cache=True)
def _pair_transform(
    family: int,
    par: Any,
    qi: float,
    qj: float,
    dsq: float,
    s: float,
    lam: float,
    g: float,
    h: float,
    sp_next: float,
) -> tuple[float, float, float, float, float]:
    if family == ARCCOS1:
        return _arccos1(s, lam, g, h, par[0], par[1], par[2], par[3])
    if family == ERF:
        return _erf(qi, qj, lam, g, h, sp_next)
    return _sin(dsq, lam, g, h, sp_next)


@numba.njit(cache=True)
def _diagonal(
    family: int,
    par: Any,
    coef: Any,
    p0h: Any,
    p0l: Any,
    depth: int,
    qh: Any,
    sqh: Any,
    sql: Any,
    sph: Any,
    spl: Any,
    k_out: Any,
    t_out: Any,
) -> None:
    """Per-row tables of layers 0..depth: q, sqrt(q) (dd), sqrt(p) (dd); the diagonal."""
    ah, al, bh, bl, ch, cl = coef[0], coef[1], coef[2], coef[3], coef[4], coef[5]
    for r in numba.prange(p0h.shape[0]):
        ph, pl = p0h[r], p0l[r]
        th, tl = 0.0, 0.0
        for layer in range(depth + 1):
            xh, xl = dd_mul(ah, al, ph, pl)
            kh, kl = dd_add(xh, xl, bh, bl)
            yh, yl = dd_mul(ch, cl, th, tl)
            big_h, big_l = dd_add(kh, kl, yh, yl)
            qh[r, layer] = kh
            sqh[r, layer], sql[r, layer] = dd_sqrt(kh, kl)
            sph[r, layer], spl[r, layer] = dd_sqrt(ph, pl)
            if layer == depth:
                k_out[r] = kh
                t_out[r] = big_h
                break
            vh, vl, vdh, vdl = _diag_transform(family, par, kh, kl)
            ph, pl = vh, vl
            th, tl = dd_mul(big_h, big_l, vdh, vdl)


@numba.njit(cache=True)
def _start(i: int, j: int, gram: float, u: Any, sph: Any) -> tuple[float, float, float]:
    """Input layer of the pair (i, j): gamma = x_i . x_j / N0 and its gaps, the gaps from the
    unit vectors where |c| > 1/2."""
    s0 = sph[i, 0] * sph[j, 0]
    if s0 > 0.0 and abs(gram) > 0.5 * s0:
        acc = 0.0
        sign = -1.0 if gram > 0.0 else 1.0
        for k in range(u.shape[1]):
            d = u[i, k] + sign * u[j, k]
            acc += d * d
        small = 0.5 * s0 * acc
        if gram > 0.0:
            return gram, small, 2.0 * s0 - small
        return gram, 2.0 * s0 - small, small
    return gram, s0 - gram, s0 + gram


@numba.njit(cache=True)
def _step(
    family: int,
    par: Any,
    coef: Any,
    layer: int,
    last: bool,
    i: int,
    j: int,
    gam: float,
    g: float,
    h: float,
    th: float,
    tl: float,
    qh: Any,
    sqh: Any,
    sql: Any,
    sph: Any,
    spl: Any,
) -> tuple[float, float, float, float, float, float, float]:
    """One Dense layer of the pair (i, j) and, unless ``last``, the nonlinearity after it.

    Returns the new ``gamma, g, h`` and tangent ``(th, tl)``, and the Dense layer's NNGP and
    NTK (the result when ``last``)."""
    ah, al, bh, bl, ch, cl = coef[0], coef[1], coef[2], coef[3], coef[4], coef[5]
    sqq_h, sqq_l = dd_mul(sqh[i, layer], sql[i, layer], sqh[j, layer], sql[j, layer])
    sp_i, sp_j = sph[i, layer], sph[j, layer]
    dsp = sp_i - sp_j
    den = sqq_h + ah * (sp_i * sp_j) + bh
    corr = ah * bh * dsp * dsp / den if den > 0.0 else 0.0
    g = corr + ah * g
    h = corr + ah * h + 2.0 * bh
    if g <= 0.5 * sqq_h:
        kh, kl = dd_add_d(sqq_h, sqq_l, -g)
    elif h <= 0.5 * sqq_h:
        kh, kl = dd_add_d(-sqq_h, -sqq_l, h)
    else:
        xh, xl = dd_mul_d(ah, al, gam)
        kh, kl = dd_add(xh, xl, bh, bl)
    yh, yl = dd_mul(ch, cl, th, tl)
    big_h, big_l = dd_add(kh, kl, yh, yl)
    if last:
        return gam, g, h, th, tl, kh, big_h
    sp_next = 0.0
    if family != ARCCOS1:
        sp_next = sph[i, layer + 1] * sph[j, layer + 1]
    dsq = sqh[i, layer] - sqh[j, layer]
    gam, g, h, wdh, wdl = _pair_transform(
        family, par, qh[i, layer], qh[j, layer], dsq, sqq_h, kh, g, h, sp_next
    )
    th, tl = dd_mul(big_h, big_l, wdh, wdl)
    return gam, g, h, th, tl, kh, big_h


@numba.njit(cache=True)
def _row(
    family: int,
    par: Any,
    coef: Any,
    i: int,
    j0: int,
    grams: Any,
    u: Any,
    depth: int,
    qh: Any,
    sqh: Any,
    sql: Any,
    sph: Any,
    spl: Any,
    k_out: Any,
    t_out: Any,
) -> None:
    """Pairs (i, j0 + m) for m < len(grams), each through all layers in registers."""
    for k in range(grams.shape[0]):
        j = j0 + k
        gam, g, h = _start(i, j, grams[k], u, sph)
        th, tl = 0.0, 0.0
        for layer in range(depth + 1):
            gam, g, h, th, tl, kh, big_h = _step(
                family,
                par,
                coef,
                layer,
                layer == depth,
                i,
                j,
                gam,
                g,
                h,
                th,
                tl,
                qh,
                sqh,
                sql,
                sph,
                spl,
            )
        k_out[k] = kh
        t_out[k] = big_h


@numba.njit(parallel=True, cache=True)
def _symmetric(
    family: int,
    par: Any,
    coef: Any,
    gram: Any,
    u: Any,
    depth: int,
    qh: Any,
    sqh: Any,
    sql: Any,
    sph: Any,
    spl: Any,
    nngp: Any,
    ntk: Any,
) -> None:
    n = gram.shape[0]
    for k in numba.prange(n):
        # rows k // 2 and n - 1 - k // 2 alternate, so contiguous chunks of k carry equal work
        i = k // 2 if k % 2 == 0 else n - 1 - k // 2
        if i == n - 1:
            continue
        kk = np.empty(n - 1 - i)
        tt = np.empty(n - 1 - i)
        _row(
            family, par, coef, i, i + 1, gram[i, i + 1 :], u, depth, qh, sqh, sql, sph, spl, kk, tt
        )
        for m in range(n - 1 - i):
            nngp[i, i + 1 + m] = kk[m]
            nngp[i + 1 + m, i] = kk[m]
            ntk[i, i + 1 + m] = tt[m]
            ntk[i + 1 + m, i] = tt[m]


@numba.njit(parallel=True, cache=True)
def _cross(
    family: int,
    par: Any,
    coef: Any,
    gram: Any,
    u: Any,
    depth: int,
    qh: Any,
    sqh: Any,
    sql: Any,
    sph: Any,
    spl: Any,
    nngp: Any,
    ntk: Any,
) -> None:
    n1 = gram.shape[0]
    for i in numba.prange(n1):
        _row(family, par, coef, i, n1, gram[i], u, depth, qh, sqh, sql, sph, spl, nngp[i], ntk[i])


@numba.njit(cache=True)
def _row_lengths(x: Any, n0: float) -> tuple[Any, Any, Any]:
    """||x||^2 / N0 of each row as a double-double (products and sums error-free) and the
    unit rows x / ||x|| (zero rows stay zero)."""
    n = x.shape[0]
    ph = np.empty(n)
    pl = np.empty(n)
    u = np.zeros_like(x)
    for r in range(n):
        sh, sl = 0.0, 0.0
        for k in range(x.shape[1]):
            p, e = two_prod(x[r, k], x[r, k])
            sh, sl = dd_add(sh, sl, p, e)
        qh = sh / n0
        p, e = two_prod(qh, n0)
        ql = ((sh - p) - e + sl) / n0
        ph[r] = qh + ql
        pl[r] = ql - (ph[r] - qh)
        norm = math.sqrt(sh)
        if norm > 0.0:
            for k in range(x.shape[1]):
                u[r, k] = x[r, k] / norm
    return ph, pl, u


@dataclass(frozen=True)
class FusedFamily:
    """A compiled transform pair: family code and float parameters (see module docstring)."""

    code: int
    params: tuple[float, ...]


def arccos_pair(a: float, b: float) -> FusedFamily:
    r"""The compiled pair of :math:`\phi = a u_+ - b(-u)_+` (module docstring): :math:`\ell^2,
    m^2` and :math:`\ell^2 + m^2` as a double-double, from the exact float parameters."""
    with mpmath.workdps(40):
        ell2 = ((mpmath.mpf(a) + mpmath.mpf(b)) / 2) ** 2
        m2 = ((mpmath.mpf(a) - mpmath.mpf(b)) / 2) ** 2
        vc = ell2 + m2
        vch = float(vc)
        return FusedFamily(ARCCOS1, (float(ell2), float(m2), vch, float(vc - vch)))


#: the compiled pairs without parameters
ERF_PAIR = FusedFamily(ERF, (0.0, 0.0, 0.0, 0.0))
SIN_PAIR = FusedFamily(SIN, (0.0, 0.0, 0.0, 0.0))


def pair_transform(
    family: FusedFamily, q1: float, q2: float, gap: float, *, negative: bool = False
) -> tuple[float, float, float, float]:
    r"""``(W, sqrt(V1 V2) - W, sqrt(V1 V2) + W, W_d)`` of the compiled transform pair at one
    point given by the gap: :math:`g = S - q_{12}` (``negative``: :math:`h = S + q_{12}`),
    :math:`S = \sqrt{q_1 q_2}` (for tests; :math:`\sqrt{V_1V_2}` from the compiled diagonal)."""
    par = np.array(family.params)
    s = math.sqrt(q1) * math.sqrt(q2)
    if negative:
        h, g, lam = gap, 2.0 * s - gap, gap - s
    else:
        g, h, lam = gap, 2.0 * s - gap, s - gap
    v1 = _diag_transform(family.code, par, q1, 0.0)[0]
    v2 = _diag_transform(family.code, par, q2, 0.0)[0]
    sp = math.sqrt(v1) * math.sqrt(v2)
    w, gw, hw, wdh, wdl = _pair_transform(
        family.code, par, q1, q2, math.sqrt(q1) - math.sqrt(q2), s, lam, g, h, sp
    )
    return w, gw, hw, wdh + wdl


def fused_gram(
    family: FusedFamily,
    coefficients: tuple[tuple[float, float], ...],
    a: np.ndarray,
    c: np.ndarray | None,
    depth: int,
) -> tuple[np.ndarray, np.ndarray] | None:
    r"""NNGP and NTK Gram matrices by the compiled engine, or ``None`` where it does not apply.

    ``family``: the compiled transform pair; ``coefficients``: the Dense coefficients
    :math:`A, B, C` as double-double ``(hi, lo)`` pairs (module docstring); ``a`` (and ``c``
    for a cross Gram matrix): inputs, one per row. ``None`` when :math:`A` or :math:`B` is
    negative (the gap updates need both :math:`\ge 0`)."""
    coef = np.array([v for pair in coefficients for v in pair])
    if coef[0] < 0 or coef[2] < 0:  # the gap updates need A, B >= 0 (squares of sigmas)
        return None
    par = np.array(family.params)
    rows = np.ascontiguousarray(a if c is None else np.vstack([a, c]), dtype=np.float64)
    n_rows = rows.shape[0]
    p0h, p0l, u = _row_lengths(rows, float(rows.shape[1]))
    tables = [np.empty((n_rows, depth + 1)) for _ in range(5)]
    k_diag, t_diag = np.empty(n_rows), np.empty(n_rows)
    _diagonal(family.code, par, coef, p0h, p0l, depth, *tables, k_diag, t_diag)  # type: ignore[call-arg]
    n0 = rows.shape[1]
    if c is None:
        gram = np.asarray(a @ a.T, dtype=np.float64) / n0
        n = a.shape[0]
        nngp, ntk = np.empty((n, n)), np.empty((n, n))
        _symmetric(family.code, par, coef, gram, u, depth, *tables, nngp, ntk)  # type: ignore[call-arg]
        np.fill_diagonal(nngp, k_diag)
        np.fill_diagonal(ntk, t_diag)
    else:
        gram = np.asarray(a @ c.T, dtype=np.float64) / n0
        nngp, ntk = np.empty(gram.shape), np.empty(gram.shape)
        _cross(family.code, par, coef, gram, u, depth, *tables, nngp, ntk)  # type: ignore[call-arg]
    return nngp, ntk
