r"""Compiled float64 NNGP/NTK Gram matrices for activations with closed-form kernels.

The recursion is the feedforward one of :mod:`asymptote.kernels` with the Dense coefficients
:math:`A, B, C` read off the derived recurrence (:mod:`asymptote.recurrences.kernel_structure`, passed in by :mod:`asymptote.kernels`);
each nonlinearity applies the *transform pair* :math:`(\mathcal{W}\phi, \mathcal{W}\phi')` of
the activation's registered closed form, computed together from one angle.

Layout. The pairs :math:`i < j` of a symmetric Gram matrix (each pair of a cross Gram
matrix) are cut into tiles of up to 64 pairs of one row :math:`i`; threads take tiles
(``prange``), and a tile runs layer by layer over its pairs, whose state (:math:`\gamma, g,
h`, the NTK, for erf :math:`p_i - p_j`) sits in arrays of the tile's length. The per-input
tables of the diagonal are indexed ``[layer, input]``, so a tile reads contiguous rows. The
loop over a tile's pairs calls no math library for the arc-cosine family and erf (arcsines
by a series, below; every branch evaluated and selected; numba's ``error_model="numpy"``,
so divisions have no Python exception path; the helpers inlined), and LLVM vectorises it
(4 pairs per AVX2 instruction). Memory: the output, the tables (:math:`O(nL)`) and
:math:`O(64)` per thread. The compensated (double-double) parts are compiled without
``fastmath``, as everything here.

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
* the input layer forms the small gap for :math:`|c| > 1/2` from the differences
  :math:`d = x_1 - x_2` (sums :math:`x_1 + x_2` for :math:`c < 0`), exact for
  near-parallel inputs: :math:`\lVert x_1\rVert\lVert x_2\rVert - x_1\cdot x_2 =
  \tfrac12(\lVert d\rVert^2 - (d\cdot s)^2/(\lVert x_1\rVert + \lVert x_2\rVert)^2)`,
  :math:`s = x_1 + x_2` (rounded unit vectors would leave a relative error
  :math:`u/\vartheta`).

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
:math:`t = \arccos|c| = 2\arcsin\sqrt{(1 - |c|)/2}` for :math:`|c| \ge 1/2` (with
:math:`1 - |c| = g_{|c|}/S`, below) and :math:`\pi/2 - \arcsin|c|` otherwise, both
arcsines of arguments :math:`\le 1/2` by their Taylor series (23 terms, truncation
:math:`< 1.2\cdot10^{-17}`, Estrin's scheme with fused multiply-adds), and
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

*erf* [W97, eq. (11)]: with :math:`\alpha_k = 1 + 2q_k`, :math:`R = \sqrt{\alpha_1\alpha_2}`,
:math:`\mathcal{W} = \tfrac2\pi\arcsin(2\lambda/R)`,
:math:`\mathcal{W}\phi' = 4/(\pi\sqrt D)`, :math:`D = R^2 - 4\lambda^2 = D_0 + 4gh`,
:math:`D_0 = 1 + 2(q_1+q_2)` (:math:`gh = q_1q_2 - \lambda^2`); :math:`\arcsin b` by the
series for :math:`b \le 1/2`, else as :math:`\pi/2 - 2\arcsin\sqrt{(1-b)/2}` with
:math:`1 - b = D/(R(R + 2|\lambda|))`. The gap that cancels (:math:`\sqrt{\mathcal V_1
\mathcal V_2} - |\mathcal W|`) is written with the angles :math:`\theta_k = \arcsin a_k`,
:math:`a_k = 2q_k/\alpha_k` (:math:`\mathcal V_k = \tfrac2\pi\theta_k`),
:math:`\theta_m = \arcsin m`, :math:`m = \sqrt{a_1a_2} = 2S/R`, as
:math:`\tfrac2\pi[(\sqrt{\theta_1\theta_2} - \theta_m) + (\theta_m -
\arcsin|b|)]`, each term from sines of angle differences that are products of small
quantities (derived here; checked against 60 digits in the tests):

.. math::

    \sin(\theta_m - \arcsin|b|) = \frac{2gh}{S\sqrt D + |\lambda|\sqrt{D_0}},

and, for :math:`a_1 \ge a_2`, :math:`c_k = \sqrt{1 - a_k^2} = \sqrt{1 + 4q_k}/\alpha_k`,
:math:`c_m = \sqrt{D_0}/R`, :math:`\delta a = a_1 - a_2 = 2(q_1 - q_2)/R^2`,
:math:`s_1 = \sin(\theta_1 - \theta_m) = a_1\delta a/(a_1c_m + mc_1)`,
:math:`s_2 = \sin(\theta_m - \theta_2) = a_2\delta a/(mc_2 + a_2c_m)`,

.. math::

    s_1 - s_2 = \frac{m\,\delta a^2 (a_1 + a_2)}{(a_1c_2 + a_2c_1)(a_1c_m + mc_1)(mc_2 +
    a_2c_m)}, \qquad
    \sin(\theta_1 + \theta_2 - 2\theta_m) = \frac{(s_1 - s_2)(s_1 + s_2)}{s_1\sqrt{1 -
    s_2^2} + s_2\sqrt{1 - s_1^2}},

    \sqrt{\theta_1\theta_2} - \theta_m = \tfrac12(\theta_1 + \theta_2 - 2\theta_m) -
    \frac{(\theta_1 - \theta_2)^2}{2(\sqrt{\theta_1} + \sqrt{\theta_2})^2},\qquad
    \sin(\theta_1 - \theta_2) = \frac{\delta a\,(a_1 + a_2)}{a_1c_2 + a_2c_1}.

The last subtraction loses at most a factor :math:`\theta_m/(\theta_m - mc_m)` (about 2 at
:math:`q \approx 2`; it grows like :math:`1.5/m^2` for small :math:`q`, where erf is nearly
linear). Where a sine exceeds 1/2 the gap is large and is formed by subtraction. The
difference :math:`q_1 - q_2` must be accurate too: the erf diagonal tables are float64, so
each pair carries :math:`p_1 - p_2` (:math:`= d\cdot s/N_0` at the input, then
:math:`\tfrac2\pi(\theta_1 - \theta_2)`) and :math:`q_1 - q_2 = A(p_1 - p_2)`,
:math:`\sqrt{p_1} - \sqrt{p_2} = (p_1 - p_2)/(\sqrt{p_1} + \sqrt{p_2})`. In the chaotic
phase (:math:`\chi_1 > 1`) the gap of a near-parallel pair grows by :math:`\chi_1` per
layer, so each of these relative errors reaches the result.

*sin* [GAUSS]: :math:`\mathcal{W} = \tfrac12\operatorname{sign}(\lambda)e^{-(m - |\lambda|)}
(1 - e^{-2|\lambda|})`, :math:`\mathcal{W}\phi' = \tfrac12 e^{-(m-|\lambda|)}(1 +
e^{-2|\lambda|})`, :math:`m - |\lambda| = (\sqrt{q_1} - \sqrt{q_2})^2/2 + g_{|c|}`.

The small gap of sin (:math:`\lambda \ge 0`; odd symmetry for :math:`\lambda < 0`) is
written without cancellation (derived here; checked against 60 digits in the tests): with
:math:`m = (q_1 + q_2)/2`, :math:`b = m - S = (\sqrt{q_1} - \sqrt{q_2})^2/2`, :math:`a = m
+ S`, :math:`\sqrt{\mathcal V_k} = \sqrt{e^{-q_k}\sinh q_k}`,

.. math::

    \sqrt{\mathcal V_1\mathcal V_2} - \mathcal W = \underbrace{\frac{e^{-2m}F(a, b)}
    {\sqrt{\mathcal V_1\mathcal V_2} + e^{-m}\sinh S}}_{\text{mismatch}} +
    \big(e^{-(b + g/2)} + e^{-(m + (S+\lambda)/2)}\big)\sinh\frac g2,

    F(a, b) = \sinh q_1\sinh q_2 - \sinh^2 S = \sinh a\,\sinh b - \sinh^2\!\sqrt{ab}
    = \sum_{n\ge1} b^n\Big([n\ \mathrm{odd}]\frac{\sinh a}{n!} -
    \frac{2^{2n-1}a^n}{(2n)!}\Big),

the second term from :math:`\sinh S - \sinh\lambda = 2\cosh\frac{S+\lambda}2
\sinh\frac g2`, the series from those of :math:`\sinh b` and :math:`\sinh^2 x =
(\cosh 2x - 1)/2`; its first coefficient :math:`\sinh a - a` by its own series for
:math:`a < 2`. The series serves nearly equal variances (:math:`b \le 1/2`, :math:`b/a \le
1/16`: consecutive terms shrink like :math:`b/a`); elsewhere the mismatch is a large
difference and is formed by subtraction. :math:`\sqrt{q_1} - \sqrt{q_2}` is the
double-double difference of the diagonal roots.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import numba
import numpy as np

from .double_double import dd_add, dd_add_d, dd_mul, dd_mul_d, dd_sqrt, fma, two_prod

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


def _g_coefficients(terms: int) -> tuple[float, ...]:
    r"""Coefficients of :math:`G(t)/t^3 = \sum_{n\ge1} (-1)^{n+1} 2n\,t^{2n-2}/(2n+1)!`."""
    out = []
    for n in range(1, terms + 1):
        out.append(float(Fraction((-1) ** (n + 1) * 2 * n, math.factorial(2 * n + 1))))
    return tuple(out)


def _asin_coefficients(terms: int) -> tuple[float, ...]:
    r"""Coefficients :math:`a_k` of :math:`(\arcsin z - z)/z^3 = \sum_{k\ge1} a_k z^{2k-2}`,
    :math:`a_k = \binom{2k}{k} / (4^k (2k + 1))`, padded with a zero to an even count."""
    out = []
    for k in range(1, terms + 1):
        out.append(float(Fraction(math.comb(2 * k, k), 4**k * (2 * k + 1))))
    return tuple(out) + (0.0,) * (terms % 2)


#: 9 terms: for t < 1/2 the first neglected term is below 1e-20 of the sum.
_G_COEF = _g_coefficients(9)

#: 23 terms: for |z| <= 1/2 the first neglected term, a_24 z^48 <= 2.3e-3 * 4^-24, is below
#: 1e-17 of arcsin(z)/z, and the neglected tail (ratio <= 1/4 per term) below 1.2e-17.
_ASIN_COEF = _asin_coefficients(23)

#: the arcsine series is used for arguments in [0, 1/2]
_ASIN_RANGE = 0.5


@numba.njit(cache=True, error_model="numpy", inline="always")
def _g_poly(x: float) -> float:
    """``sum_k _G_COEF[k] x^k`` by Estrin's scheme (short dependency chains)."""
    c = _G_COEF
    x2 = x * x
    x4 = x2 * x2
    q0 = fma(fma(c[3], x, c[2]), x2, fma(c[1], x, c[0]))
    q1 = fma(fma(c[7], x, c[6]), x2, fma(c[5], x, c[4]))
    return fma(c[8], x4 * x4, fma(q1, x4, q0))


@numba.njit(cache=True, error_model="numpy", inline="always")
def _asin_poly(x: float) -> float:
    """``sum_k _ASIN_COEF[k] x^k`` by Estrin's scheme (short dependency chains)."""
    c = _ASIN_COEF
    x2 = x * x
    x4 = x2 * x2
    x8 = x4 * x4
    q0 = fma(fma(c[3], x, c[2]), x2, fma(c[1], x, c[0]))
    q1 = fma(fma(c[7], x, c[6]), x2, fma(c[5], x, c[4]))
    q2 = fma(fma(c[11], x, c[10]), x2, fma(c[9], x, c[8]))
    q3 = fma(fma(c[15], x, c[14]), x2, fma(c[13], x, c[12]))
    q4 = fma(fma(c[19], x, c[18]), x2, fma(c[17], x, c[16]))
    q5 = fma(fma(c[23], x, c[22]), x2, fma(c[21], x, c[20]))
    o0 = fma(q1, x4, q0)
    o1 = fma(q3, x4, q2)
    o2 = fma(q5, x4, q4)
    return fma(o2, x8 * x8, fma(o1, x8, o0))


@numba.njit(cache=True, error_model="numpy", inline="always")
def series_g(t: float) -> float:
    r""":math:`G(t) = \sin t - t\cos t` for :math:`0 \le t < 1/2` by its Taylor series."""
    t2 = t * t
    return _g_poly(t2) * t2 * t


@numba.njit(cache=True, error_model="numpy", inline="always")
def asin_small(z: float) -> float:
    r""":math:`\arcsin z` for :math:`|z| \le 1/2` by its Taylor series, as
    :math:`z + z\,(z^2 Q(z^2))` so that the leading term is not rounded by the evaluation
    (:math:`z^2 Q(z^2) \le 0.048`): relative error at most about :math:`1.2u` beyond that of
    ``z`` (:math:`u = 2^{-53}`)."""
    x = z * z
    return z + z * (x * _asin_poly(x))


@numba.njit(cache=True, error_model="numpy", inline="always")
def _arccos1(
    s: float, lam: float, g: float, h: float, l2: float, m2: float, vch: float, vcl: float
) -> tuple[float, float, float, float, float]:
    """(a, b)-ReLU: W, sqrt(V1 V2) - W, sqrt(V1 V2) + W, and W_d as a double-double.

    Branch-free (every branch is evaluated and the right one selected), so that the loop
    over the pairs of a tile is vectorised."""
    a = abs(lam)
    positive = lam >= 0.0
    gap_abs = g if positive else h
    e = gap_abs / s  # 1 - |c|, to an ulp or two
    near = e <= 2.0 * _ASIN_RANGE * _ASIN_RANGE
    # t = arccos|c| = 2 arcsin sqrt((1 - |c|)/2) for |c| >= 1/2, pi/2 - arcsin|c| below
    z = math.sqrt(0.5 * e) if near else a / s
    p = asin_small(z)
    t = 2.0 * p if near else _HALF_PI - p
    sg = s * series_g(t) if t < 0.5 else math.sqrt(g * h) - t * a
    s_kappa = a + _TWO_OVER_PI * sg
    w = l2 * lam + m2 * s_kappa
    gw = l2 * g + m2 * (gap_abs - _TWO_OVER_PI * sg)
    hw = l2 * h + m2 * (s + s_kappa)
    dh, dl = dd_add_d(vch, vcl, -m2 * _TWO_OVER_PI * t)
    wdh = dh if positive else (l2 - m2) + m2 * _TWO_OVER_PI * t
    wdl = dl if positive else 0.0
    if s <= 0.0:  # a zero variance: u or v vanishes; W = l^2 lam = 0, W_d at c = 0
        return 0.0, 0.0, 0.0, l2, 0.0
    return w, gw, hw, wdh, wdl


@numba.njit(cache=True, error_model="numpy", inline="always")
def _asin_any(sin_x: float, one_minus: float) -> float:
    r""":math:`\arcsin x` for :math:`0 \le x \le 1` from ``sin_x`` and an accurate
    ``one_minus`` :math:`= 1 - x`: the series at :math:`x \le 1/2`, else
    :math:`\pi/2 - 2\arcsin\sqrt{(1 - x)/2}` (branch-free)."""
    small = sin_x <= _ASIN_RANGE
    p = asin_small(sin_x if small else math.sqrt(0.5 * one_minus))
    return p if small else _HALF_PI - 2.0 * p


@numba.njit(cache=True, error_model="numpy", inline="always")
def _erf(
    qi: float,
    qj: float,
    s: float,
    dq: float,
    lam: float,
    g: float,
    h: float,
    spi: float,
    spj: float,
) -> tuple[float, float, float, float, float, float]:
    """erf: W, sqrt(V1 V2) - W, sqrt(V1 V2) + W, W_d (branch-free, as :func:`_arccos1`)
    and V1 - V2; ``s`` = sqrt(q1 q2), ``dq`` = q1 - q2 (accurate), ``spi, spj`` =
    sqrt(V1), sqrt(V2). The gap that cancels is (2/pi)(mismatch + angle), module docstring."""
    sp = spi * spj
    d0 = 1.0 + 2.0 * (qi + qj)
    d = d0 + 4.0 * (g * h)  # (1 + 2 q1)(1 + 2 q2) - 4 lam^2
    sd, sd0 = math.sqrt(d), math.sqrt(d0)
    a = abs(lam)
    root = math.sqrt(d + 4.0 * (lam * lam))  # sqrt((1 + 2 q1)(1 + 2 q2))
    # W = (2/pi) sign(lam) arcsin b, b = 2|lam|/root, 1 - b = d / (root (root + 2|lam|))
    asin_b = _asin_any(2.0 * a / root, d / (root * (root + 2.0 * a)))
    w = _TWO_OVER_PI * (asin_b if lam >= 0.0 else -asin_b)
    wd = 2.0 * _TWO_OVER_PI / sd
    # angle theta_m - theta_|b|: its sine is 2 g h / (S sqrt(D) + |lam| sqrt(D0))
    sin_angle = 2.0 * (g * h) / (s * sd + a * sd0)
    angle = asin_small(sin_angle)
    # mismatch sqrt(theta_1 theta_2) - theta_m, theta_k = arcsin a_k, theta_m = arcsin m
    alpha_i, alpha_j = 1.0 + 2.0 * qi, 1.0 + 2.0 * qj
    ai, aj = 2.0 * qi / alpha_i, 2.0 * qj / alpha_j
    ci, cj = math.sqrt(1.0 + 4.0 * qi) / alpha_i, math.sqrt(1.0 + 4.0 * qj) / alpha_j
    a1, c1, a2, c2 = (ai, ci, aj, cj) if ai >= aj else (aj, cj, ai, ci)
    da = 2.0 * abs(dq) / (alpha_i * alpha_j)  # a1 - a2
    m = 2.0 * s / root
    cm = sd0 / root
    den1, den2, den12 = a1 * cm + m * c1, m * c2 + a2 * cm, a1 * c2 + a2 * c1
    s1, s2 = a1 * da / den1, a2 * da / den2  # sin(theta_1 - theta_m), sin(theta_m - theta_2)
    sigma = m * (da * da) * (a1 + a2) / (den12 * den1 * den2)  # s1 - s2
    sin_y = sigma * (s1 + s2) / (s1 * math.sqrt(1.0 - s2 * s2) + s2 * math.sqrt(1.0 - s1 * s1))
    sin_y = sin_y if da > 0.0 else 0.0
    y = asin_small(sin_y)  # theta_1 + theta_2 - 2 theta_m
    sin_q = da * (a1 + a2) / den12  # sin(theta_1 - theta_2) = a1 c2 - a2 c1
    e12 = asin_small(sin_q)
    mismatch = 0.5 * y - e12 * e12 / (math.pi * (spi + spj) ** 2)
    theta_m = _asin_any(m, d0 / (root * (root + 2.0 * s)))
    exact = sin_q <= _ASIN_RANGE and sin_y <= _ASIN_RANGE  # s1, s2 <= sin_q
    mismatch = mismatch if exact else 0.5 * math.pi * sp - theta_m
    small = _TWO_OVER_PI * (mismatch + angle)
    small = max(small, 0.0) if sin_angle <= _ASIN_RANGE else max(sp - abs(w), 0.0)
    big = sp + abs(w)
    positive = lam >= 0.0
    dp = _TWO_OVER_PI * (e12 if ai >= aj else -e12)  # V1 - V2 = (2/pi)(theta_i - theta_j)
    dp = dp if exact else (spi - spj) * (spi + spj)
    return w, small if positive else big, big if positive else small, wd, 0.0, dp


@numba.njit(cache=True, error_model="numpy", inline="always")
def _sin_mismatch(s: float, b: float, sp: float, ws: float) -> float:
    r""":math:`\sqrt{\mathcal V_1\mathcal V_2} - e^{-m}\sinh S \ge 0` of sin (module
    docstring): the series :math:`e^{-2m}F(a, b)/(\sqrt{\mathcal V_1\mathcal V_2} + e^{-m}
    \sinh S)` for nearly equal variances, a subtraction otherwise (no cancellation there)."""
    m = s + b
    a = m + s
    if b == 0.0:
        return 0.0
    if b > 0.5 or b > 0.0625 * a:  # (delta/sigma)^2 = b/a > 1/16: the difference is large
        return max(sp - ws, 0.0)
    scale = math.exp(-2.0 * m)
    # c_1 = e^{-2m} (sinh a - a), by its series below a = 2
    if a < 2.0:
        a2 = a * a
        term = a * a2 / 6.0
        first = term
        k = 3.0
        while term > 1e-18 * first:
            term *= a2 / ((k + 1.0) * (k + 2.0))
            first += term
            k += 2.0
        first *= scale
    else:
        first = 0.5 * (math.exp(-b) - math.exp(-(3.0 * m + s))) - a * scale
    e_s = 0.5 * (math.exp(-b) - math.exp(-(3.0 * m + s)))  # e^{-2m} sinh a
    total = first * b
    b_pow = b
    odd_fact = 1.0  # n!
    power_term = scale * a  # e^{-2m} 2^{2n-1} a^n / (2n)! at n = 1
    for n in range(2, 80):
        b_pow *= b
        odd_fact *= n
        power_term *= 4.0 * a / ((2.0 * n - 1.0) * (2.0 * n))
        c_n = -power_term
        if n % 2 == 1:
            c_n += e_s / odd_fact
        term = c_n * b_pow
        total += term
        if abs(term) <= 1e-18 * abs(total) and n > 3:
            break
    return max(total / (sp + ws), 0.0)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _sin(
    dsq: float, s: float, lam: float, g: float, h: float, sp: float
) -> tuple[float, float, float, float, float]:
    a = abs(lam)
    gap = g if lam >= 0.0 else h
    b = 0.5 * dsq * dsq  # m - S
    e = math.exp(-(b + gap))
    w = -0.5 * e * math.expm1(-2.0 * a)
    wd = 0.5 * e * (1.0 + math.exp(-2.0 * a))
    # the small gap sqrt(V1 V2) - |W| = mismatch + e^{-m} (sinh S - sinh |lambda|)
    ws = -0.5 * math.exp(-b) * math.expm1(-2.0 * s)  # e^{-m} sinh S
    angle = (math.exp(-(b + 0.5 * gap)) + math.exp(-(s + b + 0.5 * (s + a)))) * math.sinh(
        0.5 * gap
    )
    small = _sin_mismatch(s, b, sp, ws) + angle
    big = sp + w
    if lam < 0.0:
        return -w, big, small, wd, 0.0
    return w, small, big, wd, 0.0


@numba.njit(cache=True, error_model="numpy")
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


@numba.njit(cache=True, error_model="numpy")
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
    sp_i: float,
    sp_j: float,
) -> tuple[float, float, float, float, float]:
    """The pair transform of ``family`` (for :func:`pair_transform`); ``sp_i, sp_j``:
    sqrt(V(q_i)), sqrt(V(q_j))."""
    if family == ARCCOS1:
        return _arccos1(s, lam, g, h, par[0], par[1], par[2], par[3])
    if family == ERF:
        dq = dsq * (math.sqrt(qi) + math.sqrt(qj))
        return _erf(qi, qj, s, dq, lam, g, h, sp_i, sp_j)[:5]
    return _sin(dsq, s, lam, g, h, sp_i * sp_j)


@numba.njit(parallel=True, cache=True, error_model="numpy")
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
    """Tables, indexed ``[layer, row]`` for layers 0..depth, of q, sqrt(q) (dd) and sqrt(p)
    (dd), and the diagonal of the Gram matrices."""
    ah, al, bh, bl, ch, cl = coef[0], coef[1], coef[2], coef[3], coef[4], coef[5]
    for r in numba.prange(p0h.shape[0]):
        ph, pl = p0h[r], p0l[r]
        th, tl = 0.0, 0.0
        for layer in range(depth + 1):
            xh, xl = dd_mul(ah, al, ph, pl)
            kh, kl = dd_add(xh, xl, bh, bl)
            yh, yl = dd_mul(ch, cl, th, tl)
            big_h, big_l = dd_add(kh, kl, yh, yl)
            qh[layer, r] = kh
            sqh[layer, r], sql[layer, r] = dd_sqrt(kh, kl)
            sph[layer, r], spl[layer, r] = dd_sqrt(ph, pl)
            if layer == depth:
                k_out[r] = kh
                t_out[r] = big_h
                break
            vh, vl, vdh, vdl = _diag_transform(family, par, kh, kl)
            ph, pl = vh, vl
            th, tl = dd_mul(big_h, big_l, vdh, vdl)


@numba.njit(cache=True, error_model="numpy")
def _start(
    i: int, j: int, gram: float, rows: Any, norms: Any, sph: Any, spl: Any
) -> tuple[float, float, float, float]:
    r"""Input layer of the pair (i, j): :math:`\gamma = x_i\cdot x_j/N_0` and its gaps; where
    :math:`|c| > 1/2` the small gap from the differences :math:`d = x_i - x_j` (or the sums),
    which near-parallel inputs give without rounding:
    :math:`\lVert x_i\rVert\lVert x_j\rVert - x_i\cdot x_j = \tfrac12\big(\lVert d\rVert^2 -
    (d\cdot s)^2/(\lVert x_i\rVert + \lVert x_j\rVert)^2\big)`, :math:`s = x_i + x_j`
    (:math:`(\lVert x_i\rVert - \lVert x_j\rVert)^2` written with
    :math:`\lVert x_i\rVert^2 - \lVert x_j\rVert^2 = d\cdot s`); swap :math:`d, s` for
    :math:`\lVert x_i\rVert\lVert x_j\rVert + x_i\cdot x_j`. Last: :math:`p_i - p_j`
    (there :math:`d\cdot s/N_0`)."""
    s0 = sph[0, i] * sph[0, j]
    if s0 > 0.0 and abs(gram) > 0.5 * s0:
        sign = -1.0 if gram > 0.0 else 1.0
        near, cross = 0.0, 0.0
        for k in range(rows.shape[1]):
            d = rows[i, k] + sign * rows[j, k]  # the difference (c > 0) or the sum (c < 0)
            near += d * d
            cross += d * (rows[i, k] - sign * rows[j, k])
        nsum = norms[i] + norms[j]
        small = max(0.5 * (near - (cross / nsum) ** 2) / rows.shape[1], 0.0)
        dp = cross / rows.shape[1]
        if gram > 0.0:
            return gram, small, 2.0 * s0 - small, dp
        return gram, 2.0 * s0 - small, small, dp
    dp = ((sph[0, i] - sph[0, j]) + (spl[0, i] - spl[0, j])) * (sph[0, i] + sph[0, j])
    return gram, s0 - gram, s0 + gram, dp


@numba.njit(cache=True, error_model="numpy", inline="always")
def _dense(
    coef: Any,
    sqi_h: float,
    sqi_l: float,
    spi_h: float,
    sqj_h: float,
    sqj_l: float,
    spj_h: float,
    dsp: float,
    gam: float,
    g: float,
    h: float,
) -> tuple[float, float, float, float, float]:
    """The Dense map of a pair: ``sqrt(q_i q_j)`` (high part), the new gaps ``g, h`` and
    ``lambda`` as a double-double (module docstring); ``dsp`` = sqrt(p_i) - sqrt(p_j),
    accurate. Branch-free."""
    ah, al, bh, bl = coef[0], coef[1], coef[2], coef[3]
    sqq_h, sqq_l = dd_mul(sqi_h, sqi_l, sqj_h, sqj_l)
    den = sqq_h + ah * (spi_h * spj_h) + bh
    corr = ah * bh * dsp * dsp / den
    corr = corr if den > 0.0 else 0.0
    g = corr + ah * g
    h = corr + ah * h + 2.0 * bh
    # lambda = S - g where g <= S/2, -S + h where h <= S/2, A gamma + B elsewhere
    k1h, k1l = dd_add_d(sqq_h, sqq_l, -g)
    k2h, k2l = dd_add_d(-sqq_h, -sqq_l, h)
    xh, xl = dd_mul_d(ah, al, gam)
    k3h, k3l = dd_add(xh, xl, bh, bl)
    by_g = g <= 0.5 * sqq_h
    by_h = h <= 0.5 * sqq_h
    kh = k1h if by_g else (k2h if by_h else k3h)
    kl = k1l if by_g else (k2l if by_h else k3l)
    return sqq_h, g, h, kh, kl


@numba.njit(cache=True, error_model="numpy")
def _layer(
    family: int,
    par: Any,
    coef: Any,
    last: bool,
    row: tuple[float, float, float, float, float, float],
    qj: Any,
    sqj_h: Any,
    sqj_l: Any,
    spj_h: Any,
    spj_l: Any,
    spj_next: Any,
    gam: Any,
    g: Any,
    h: Any,
    th: Any,
    tl: Any,
    dp: Any,
) -> None:
    """One Dense layer and, unless ``last``, the nonlinearity after it, for the pairs
    ``(i, j)`` of a tile: ``row`` holds the first input's ``q, sqrt(q)`` (dd), ``sqrt(p)``
    (dd) and next ``sqrt(p)``; the arrays the second inputs' (table rows) and the pairs'
    state, updated in place (``last``: ``gam, th`` receive the NNGP and NTK; ``dp``:
    :math:`p_i - p_j`, carried for erf, whose tabulated :math:`p` are float64). One loop per
    family without calls to a math library (arc-cosine and erf), which the compiler
    vectorises."""
    qi, sqi_h, sqi_l, spi_h, spi_l, spi_next = row
    ch, cl = coef[4], coef[5]
    m = gam.shape[0]
    carried = family == ERF
    if last:
        for k in range(m):
            dsp_table = (spi_h - spj_h[k]) + (spi_l - spj_l[k])
            dsp = dp[k] / (spi_h + spj_h[k]) if carried else dsp_table
            sqq_h, gk, hk, kh, kl = _dense(
                coef, sqi_h, sqi_l, spi_h, sqj_h[k], sqj_l[k], spj_h[k], dsp, gam[k], g[k], h[k]
            )
            yh, yl = dd_mul(ch, cl, th[k], tl[k])
            gam[k] = kh
            th[k] = dd_add(kh, kl, yh, yl)[0]
    elif family == ARCCOS1:
        l2, m2, vch, vcl = par[0], par[1], par[2], par[3]
        for k in range(m):
            sqq_h, gk, hk, kh, kl = _dense(
                coef, sqi_h, sqi_l, spi_h, sqj_h[k], sqj_l[k], spj_h[k],
                (spi_h - spj_h[k]) + (spi_l - spj_l[k]), gam[k], g[k], h[k],
            )  # fmt: skip
            yh, yl = dd_mul(ch, cl, th[k], tl[k])
            big_h, big_l = dd_add(kh, kl, yh, yl)
            gam[k], g[k], h[k], wdh, wdl = _arccos1(sqq_h, kh, gk, hk, l2, m2, vch, vcl)
            th[k], tl[k] = dd_mul(big_h, big_l, wdh, wdl)
    elif family == ERF:
        ah = coef[0]
        for k in range(m):
            sqq_h, gk, hk, kh, kl = _dense(
                coef, sqi_h, sqi_l, spi_h, sqj_h[k], sqj_l[k], spj_h[k],
                dp[k] / (spi_h + spj_h[k]), gam[k], g[k], h[k],
            )  # fmt: skip
            yh, yl = dd_mul(ch, cl, th[k], tl[k])
            big_h, big_l = dd_add(kh, kl, yh, yl)
            gam[k], g[k], h[k], wdh, wdl, dp[k] = _erf(
                qi, qj[k], sqq_h, ah * dp[k], kh, gk, hk, spi_next, spj_next[k]
            )
            th[k], tl[k] = dd_mul(big_h, big_l, wdh, wdl)
    else:
        for k in range(m):
            sqq_h, gk, hk, kh, kl = _dense(
                coef, sqi_h, sqi_l, spi_h, sqj_h[k], sqj_l[k], spj_h[k],
                (spi_h - spj_h[k]) + (spi_l - spj_l[k]), gam[k], g[k], h[k],
            )  # fmt: skip
            yh, yl = dd_mul(ch, cl, th[k], tl[k])
            big_h, big_l = dd_add(kh, kl, yh, yl)
            gam[k], g[k], h[k], wdh, wdl = _sin(
                (sqi_h - sqj_h[k]) + (sqi_l - sqj_l[k]), sqq_h, kh, gk, hk,
                spi_next * spj_next[k],
            )
            th[k], tl[k] = dd_mul(big_h, big_l, wdh, wdl)


@numba.njit(cache=True, error_model="numpy")
def _tile(
    family: int,
    par: Any,
    coef: Any,
    i: int,
    j0: int,
    grams: Any,
    rows: Any,
    norms: Any,
    depth: int,
    qh: Any,
    sqh: Any,
    sql: Any,
    sph: Any,
    spl: Any,
    k_out: Any,
    t_out: Any,
) -> None:
    """The pairs ``(i, j0 + k)``, ``k < len(grams)``, through all layers, layer by layer
    (structure of arrays: the pairs of a tile are independent lanes)."""
    m = grams.shape[0]
    g, h, tl, dp = np.empty(m), np.empty(m), np.zeros(m), np.empty(m)
    for k in range(m):
        k_out[k], g[k], h[k], dp[k] = _start(i, j0 + k, grams[k], rows, norms, sph, spl)
        t_out[k] = 0.0
    j1 = j0 + m
    for layer in range(depth + 1):
        last = layer == depth
        nxt = layer if last else layer + 1
        row = (
            qh[layer, i],
            sqh[layer, i],
            sql[layer, i],
            sph[layer, i],
            spl[layer, i],
            sph[nxt, i],
        )
        _layer(
            family, par, coef, last, row, qh[layer, j0:j1], sqh[layer, j0:j1],
            sql[layer, j0:j1], sph[layer, j0:j1], spl[layer, j0:j1], sph[nxt, j0:j1],
            k_out, g, h, t_out, tl, dp,
        )  # fmt: skip


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _pairs(
    family: int,
    par: Any,
    coef: Any,
    tiles: Any,
    offset: int,
    symmetric: bool,
    gram: Any,
    rows: Any,
    norms: Any,
    depth: int,
    qh: Any,
    sqh: Any,
    sql: Any,
    sph: Any,
    spl: Any,
    nngp: Any,
    ntk: Any,
) -> None:
    """Every tile ``(i, j0, j1)``: the pairs ``(i, j)``, ``j0 <= j < j1``, of row ``i`` of
    ``gram``; in the tables the second input is row ``offset + j``. ``symmetric``: also
    write the transposed entries."""
    for t in numba.prange(tiles.shape[0]):
        i, j0, j1 = tiles[t, 0], tiles[t, 1], tiles[t, 2]
        kk = np.empty(j1 - j0)
        tt = np.empty(j1 - j0)
        _tile(
            family, par, coef, i, offset + j0, gram[i, j0:j1], rows, norms, depth,
            qh, sqh, sql, sph, spl, kk, tt,
        )  # fmt: skip
        for m in range(j1 - j0):
            nngp[i, j0 + m] = kk[m]
            ntk[i, j0 + m] = tt[m]
            if symmetric:
                nngp[j0 + m, i] = kk[m]
                ntk[j0 + m, i] = tt[m]


#: pairs per tile: enough independent chains to fill the pipeline, few enough for L1
_TILE = 64


def _tiles(n1: int, n2: int, symmetric: bool) -> np.ndarray:
    """``(i, j0, j1)`` rows covering the pairs ``i < j`` (``symmetric``) or all ``(i, j)``,
    ordered first, last, second, second-to-last, ... so that the contiguous blocks of tiles
    that threads take carry similar work."""
    out = []
    for i in range(n1):
        for j0 in range(i + 1 if symmetric else 0, n2, _TILE):
            out.append((i, j0, min(j0 + _TILE, n2)))
    arr = np.array(out, dtype=np.int64).reshape(-1, 3)
    order = np.empty(len(arr), dtype=np.int64)
    order[0::2] = np.arange((len(arr) + 1) // 2)
    order[1::2] = len(arr) - 1 - np.arange(len(arr) // 2)
    return arr[order]


@numba.njit(cache=True, error_model="numpy")
def _row_lengths(x: Any, n0: float) -> tuple[Any, Any, Any]:
    """||x||^2 / N0 of each row as a double-double (products and sums error-free) and the
    norms ||x|| (float64)."""
    n = x.shape[0]
    ph = np.empty(n)
    pl = np.empty(n)
    norms = np.empty(n)
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
        norms[r] = math.sqrt(sh + sl)
    return ph, pl, norms


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
    w, gw, hw, wdh, wdl = _pair_transform(
        family.code, par, q1, q2, math.sqrt(q1) - math.sqrt(q2), s, lam, g, h,
        math.sqrt(v1), math.sqrt(v2),
    )  # fmt: skip
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
    p0h, p0l, norms = _row_lengths(rows, float(rows.shape[1]))
    tables = [np.empty((depth + 1, n_rows)) for _ in range(5)]
    k_diag, t_diag = np.empty(n_rows), np.empty(n_rows)
    _diagonal(family.code, par, coef, p0h, p0l, depth, *tables, k_diag, t_diag)  # type: ignore[call-arg]
    n0 = rows.shape[1]
    other = a if c is None else c
    gram = np.ascontiguousarray(a @ other.T, dtype=np.float64) / n0
    nngp, ntk = np.empty(gram.shape), np.empty(gram.shape)
    tiles = _tiles(gram.shape[0], gram.shape[1], c is None)
    offset = 0 if c is None else a.shape[0]
    _pairs(
        family.code,
        par,
        coef,
        tiles,
        offset,
        c is None,
        gram,
        rows,
        norms,
        depth,
        *tables,
        nngp,
        ntk,
    )  # type: ignore[call-arg]
    if c is None:
        np.fill_diagonal(nngp, k_diag)
        np.fill_diagonal(ntk, t_diag)
    return nngp, ntk
