r"""Float64 NNGP/NTK Gram matrices of smooth activations without closed forms (tanh, GELU, ...).

The recursion is the feedforward one of :mod:`asymptote.kernels` (its Dense coefficients
:math:`A, B, C` read off the derived recurrence by
:mod:`asymptote.recurrences.kernel_structure`); what this module supplies is the transform
pair :math:`(\mathcal{W}\phi, \mathcal{W}\phi')` of a pair of inputs at a cost of a few
hundred multiply-adds instead of a 2-D quadrature.

**Mehler's expansion.** With the normalized Hermite coefficients of one input,
:math:`a_n(q) = E[\phi(\sqrt q\,z)\,He_n(z)]/\sqrt{n!}`, Mehler's formula for the bivariate
normal density (DLMF 18.18.28) gives, for :math:`c = \lambda/\sqrt{q_1q_2}`,

.. math::

    \mathcal{W}\phi(q_1, q_2, \lambda) = \sum_{n\ge0} a_n(q_1)\,a_n(q_2)\,c^n, \qquad
    \mathcal{W}\phi'(q_1, q_2, \lambda) = \frac{\partial \mathcal{W}\phi}{\partial\lambda}
    = \frac{1}{\sqrt{q_1q_2}} \sum_{n\ge1} n\,a_n(q_1)\,a_n(q_2)\,c^{n-1}

(the second by Price's theorem [P58], :math:`\partial_\lambda E[\phi(u)\phi(v)] =
E[\phi'(u)\phi'(v)]`), and on the diagonal :math:`\mathcal{V}\phi(q) = \sum_n a_n^2`,
:math:`\mathcal{V}\phi'(q) = \sum_n n\,a_n^2/q`. So the transforms *factor*: the
coefficients depend on one input's variance only (the "table in :math:`q`", computed once
per distinct variance and layer), and the dependence on :math:`c` is a polynomial, summed by
Horner's rule together with its derivative. For odd (even) activations only odd (even)
:math:`n` enter and the polynomial is in :math:`c^2`.

**Coefficients.** For all distinct variances of a layer at once, :math:`a_n(q_i)` is a
matrix product of samples with the trapezoidal rule's basis :math:`h\,He_n(z_k)\varphi(z_k)
/\sqrt{n!}` on :math:`z_k = kh \in [0, 13]` (:math:`He_n\varphi/\sqrt{n!}` by its normalized
three-term recurrence, DLMF 18.9.1, bounded by :math:`e^{-z^2/4}`, so the cut at 13 costs
:math:`< 10^{-18}`; the nodes :math:`-z_k` enter through the even and odd parts of the
samples, so a symmetry of :math:`\phi` holds exactly). :math:`a_0 = E\phi` is sampled from
:math:`\phi`, the others from :math:`\phi'` by Stein's identity :math:`a_n = \sqrt{q/n}\,
b_{n-1}`, :math:`b_m` the coefficients of :math:`\phi'(\sqrt q z)` (no rounding of the
size of :math:`\phi` itself enters them). The rule is that of
:mod:`asymptote.recurrences.tables`: geometric convergence in :math:`1/h` for integrands
analytic in the strip :math:`|\mathrm{Im}\,z| < d/\sqrt q` (:math:`d` the activation's
``singularity_distance``), :math:`h` chosen from the largest variance. The series is cut at
the first :math:`N` where, for every input, :math:`\sum_{n>N} n\,a_n^2 < 10^{-17}\sum_n
n\,a_n^2` (the order is raised until the last 16 computed terms are below that bound). By
Cauchy-Schwarz and Parseval the truncation error of both sums is then below
:math:`10^{-17}` of :math:`\sqrt{\mathcal{V}_1\mathcal{V}_2}` (of :math:`\sqrt{
\mathcal{V}\phi'_1\mathcal{V}\phi'_2}`) for every :math:`|c| \le 1`.

**Checked error.** Each layer compares :math:`\sum a_n^2` and :math:`\sum n a_n^2/q`
(exactly rounded sums) with the independent float64 quadratures of :math:`\mathcal{V}\phi,
\mathcal{V}\phi'` (``Smooth.reference``: :func:`asymptote.transforms.transform`) at every
distinct variance; the
largest relative difference over the run is returned (``coefficient_error``; measured
:math:`\le 2\cdot10^{-15}`) and a run above ``1e-12`` is refused (the caller falls back to
the quadrature path). Rounding in the pair sums is bounded by :math:`\approx N u` of
:math:`\sqrt{\mathcal{V}_1\mathcal{V}_2}` (every term is bounded by it; Horner adds the
small terms first); the tests compare the pair transforms and whole Gram matrices with
mpmath (measured: a few :math:`10^{-15}` of :math:`\sqrt{K_{ii}K_{jj}}` after 3 and 10
layers; :math:`1.7\cdot10^{-14}` for a pair :math:`10^{-6}` apart in tanh's chaotic phase,
where the ulps of :math:`1 - c` grow by :math:`\chi_1` a layer).

Variances beyond the expansion's range (:meth:`Smooth.served`: tanh above :math:`q \approx
29`, the others above about 106, where the orders needed approach ``MAX_TERMS``) and zero
variances are not served by it: pairs with such an input take the caller's 2-D
quadratures (``Smooth.pair_reference``), layer by layer, and the other pairs keep the
expansion; ``None`` only where the coefficients fail to converge or to pass the check.

The float64 state is :math:`\lambda` itself (not the gaps :math:`\sqrt{q_1q_2} \mp
\lambda` of :mod:`asymptote.numeric.kernel_engine`): entries are accurate relative to
:math:`\sqrt{K_{ii}K_{jj}}`, but :math:`1 - c` of nearly parallel inputs carries an
absolute error of a few ulps.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numba
import numpy as np

__all__ = ["MAX_TERMS", "MehlerGram", "Smooth", "hermite_coefficients", "mehler_gram"]

#: largest Hermite order served: the basis matrix holds nodes x orders doubles (at most
#: ~2100 x 6000, 100 MB) and a pair costs ~orders multiply-adds per layer
MAX_TERMS = 6000
_TAIL = 1e-17
_Z_MAX = 13.0
#: largest accepted relative difference of the coefficient sums from the 1-D transforms
_CHECK = 1e-12


@dataclass(frozen=True)
class Smooth:
    r"""What the engine needs of an activation (the caller, :mod:`asymptote.kernels`, binds a
    registered one): :math:`\phi` and :math:`\phi'` on float64 arrays, the half-width of a
    strip about the real axis where :math:`\phi` is analytic, its parity (``'odd'``,
    ``'even'`` or ``None``), the independent 1-D quadratures ``reference(qs) -> (V, V')``
    that each layer's coefficient sums are checked against, and the 2-D quadratures
    ``pair_reference(q1, q2, q12) -> (W, W')`` that serve pairs with an input whose variance
    is beyond the expansion's range (:meth:`served`)."""

    phi: Callable[[np.ndarray], np.ndarray]
    dphi: Callable[[np.ndarray], np.ndarray]
    distance: float
    parity: str | None
    reference: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
    pair_reference: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

    def served(self, qs: np.ndarray) -> np.ndarray:
        """Variances the expansion takes: positive, and with the order estimate of
        :func:`hermite_coefficients` at most half of ``MAX_TERMS`` (the orders needed were
        measured at up to 1.75 times the estimate)."""
        qs = np.asarray(qs, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            estimate = _order_estimate(self.distance, np.maximum(qs, 0.0))
        return np.asarray((qs > 0) & (estimate <= MAX_TERMS / 2))


@dataclass(frozen=True)
class MehlerGram:
    """Gram matrices with the run's diagnostics."""

    nngp: np.ndarray
    ntk: np.ndarray
    coefficient_error: float  # largest relative difference of V, V' sums from quadrature
    max_terms: int  # largest Hermite order used in a layer


def _order_estimate(strip: float, q: Any) -> Any:
    r"""Hermite orders to expect at variance ``q``: :math:`250/d^2 + 48` with :math:`d =
    \min(\text{strip}, 3)/\sqrt q` the strip in :math:`z` (below the orders needed:
    measured up to 1.75 times lower)."""
    return 250.0 * q / min(float(strip), 3.0) ** 2 + 48


def _nodes(h: float) -> np.ndarray:
    r"""The trapezoid nodes :math:`z \ge 0`: multiples of ``h`` in [0, 13] (an
    ``np.arange(-13, 13, h)`` would step by fl(-13 + h) + 13, off ``h`` by 7e-16 at
    h = 0.05: a 1.4e-14 bias)."""
    return h * np.arange(math.ceil(_Z_MAX / h) + 1, dtype=float)


def _basis_blocks(h: float, n_terms: int, block: int) -> Any:
    r"""``h He_n(z_k) \varphi(z_k) / \sqrt{n!}`` on the nodes :math:`z_k \ge 0`, orders
    ``0 .. n_terms - 1`` in blocks of ``block`` columns (the nodes :math:`-z_k` follow by
    :math:`He_n(-z) = (-1)^n He_n(z)`); the normalized three-term recurrence (DLMF 18.9.1)."""
    z = _nodes(h)
    prev = np.zeros_like(z)
    cur = h * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    for start in range(0, n_terms, block):
        out = np.empty((z.size, min(block, n_terms - start)))
        for j in range(out.shape[1]):
            n = start + j
            if n > 0:
                prev, cur = cur, (z * cur - math.sqrt(n - 1) * prev) / math.sqrt(n)
            out[:, j] = cur
        yield start, out


@lru_cache(maxsize=2)
def _basis(h: float, n_terms: int) -> np.ndarray:
    """The whole basis of :func:`_basis_blocks` (cached: a Gram matrix reuses it per layer)."""
    out = np.hstack([b for _, b in _basis_blocks(h, n_terms, n_terms)])
    out.flags.writeable = False
    return out


def _project(parts: tuple[np.ndarray, np.ndarray], h: float, n_terms: int) -> np.ndarray:
    """Coefficients of orders ``0 .. n_terms - 1`` from the folded samples ``parts`` (even
    orders from the even part, odd from the odd part): the cached basis up to
    ``MAX_TERMS`` orders, blocks of 512 beyond (memory linear in the nodes)."""
    even, odd = parts
    out = np.empty((even.shape[0], n_terms))
    blocks = ([(0, _basis(h, n_terms))] if n_terms <= MAX_TERMS
              else _basis_blocks(h, n_terms, 512))
    for start, block in blocks:
        stop = start + block.shape[1]
        first_even = start % 2  # column of the first even order in this block
        out[:, start + first_even:stop:2] = even @ block[:, first_even::2]
        out[:, start + 1 - first_even:stop:2] = odd @ block[:, 1 - first_even::2]
    return out


def _step(distance: float, n_terms: int) -> float:
    """Trapezoid step for orders up to ``n_terms`` at strip half-width ``distance``."""
    step = min(0.05, 2 * math.pi * distance / (45.0 + 2.0 * math.sqrt(n_terms) * distance))
    # round down to 2^-k / 10 steps so the basis cache is hit across layers
    return 0.05 * 2.0 ** math.floor(math.log2(step / 0.05))


def _parts(f: Any, roots: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Even and odd parts of ``f(sqrt(q) z)`` on the nodes ``z >= 0``, folded for the
    half-grid sums: ``f(z) + f(-z)`` (``f(0)`` at 0) and ``f(z) - f(-z)``."""
    with np.errstate(over="ignore", invalid="ignore"):
        pos = np.asarray(f(roots[:, None] * z[None, :]), dtype=float)
        neg = np.asarray(f(-roots[:, None] * z[None, :]), dtype=float)
    if not (np.all(np.isfinite(pos)) and np.all(np.isfinite(neg))):
        return None
    even, odd = pos + neg, pos - neg
    even[:, 0] = pos[:, 0]
    return even, odd


def hermite_coefficients(
    phi: Callable[[np.ndarray], np.ndarray],
    dphi: Callable[[np.ndarray], np.ndarray],
    strip: float,
    qs: np.ndarray,
    *,
    max_terms: int = MAX_TERMS,
) -> np.ndarray | None:
    r""":math:`a_n(q_i)` of :math:`\phi` (analytic in :math:`|\mathrm{Im}\,u| <` ``strip``),
    shape ``(len(qs), N + 1)``, cut as in the module docstring; ``None`` where more than
    ``max_terms`` orders would be needed, a variance is not positive or a sample is not
    finite. The one builder of Hermite coefficients in float64 (also of the transform tables,
    :mod:`asymptote.recurrences.tables`).

    :math:`a_0 = E\phi` comes from samples of :math:`\phi`; the others from samples of
    :math:`\phi'` by Stein's identity :math:`E[\phi(\sqrt q z) He_n(z)] = \sqrt q\,
    E[\phi'(\sqrt q z) He_{n-1}(z)]`, i.e. :math:`a_n = \sqrt{q/n}\, b_{n-1}` with
    :math:`b_m` the coefficients of :math:`\phi'`: sampling :math:`\phi` itself would carry
    an absolute rounding of :math:`u\,|\phi|` into every coefficient (sigmoid at
    :math:`q = 10^{-3}`: :math:`\mathcal{V}\phi'` off by 2.7e-14, measured), :math:`\phi'`
    only :math:`u\,|\phi'|`. Even and odd orders are summed over the nodes :math:`z \ge 0`
    from the even and odd parts of the samples, so a symmetry of :math:`\phi` holds exactly."""
    qs = np.asarray(qs, dtype=float)
    if qs.size == 0 or not np.all(qs > 0) or not np.all(np.isfinite(qs)):
        return None
    q_max = float(qs.max())
    distance = min(float(strip), 3.0) / math.sqrt(q_max)
    n_terms = int(_order_estimate(strip, q_max))
    if n_terms > max_terms:
        return None
    roots = np.sqrt(qs)
    sampled_at = 0.0
    value_parts: tuple[np.ndarray, np.ndarray] | None = None
    slope_parts: tuple[np.ndarray, np.ndarray] | None = None
    while True:
        n_terms = 16 * math.ceil(n_terms / 16)
        h = _step(distance, n_terms)
        if h != sampled_at:  # more orders at the same step reuse the samples
            z = _nodes(h)
            value_parts, slope_parts = _parts(phi, roots, z), _parts(dphi, roots, z)
            if value_parts is None or slope_parts is None:
                return None
            sampled_at = h
        assert value_parts is not None and slope_parts is not None
        coef = np.empty((qs.size, n_terms))
        coef[:, 0] = value_parts[0] @ (h * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi))
        slope = _project(slope_parts, h, n_terms - 1)  # b_m, m = 0 .. n_terms - 2
        orders = np.arange(1, n_terms)
        coef[:, 1:] = np.sqrt(qs[:, None] / orders) * slope
        weighted = np.arange(n_terms) * coef * coef
        total = weighted.sum(axis=1)
        if np.all(weighted[:, -16:].sum(axis=1) < _TAIL * total):
            break
        if n_terms >= max_terms:
            return None
        n_terms = min(int(n_terms * 1.6), max_terms)
    # cut at the first order beyond which every input's weighted tail is below the bound
    tails = np.cumsum(weighted[:, ::-1], axis=1)[:, ::-1]  # tails[:, n] = sum_{m >= n}
    ok = np.all(tails < _TAIL * total[:, None], axis=0)
    cut = int(np.argmax(ok)) if ok.any() else n_terms
    return np.ascontiguousarray(coef[:, : max(cut, 2)])


_BLOCK = 64


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _pair_layer(
    coef: Any,
    q: Any,
    first: int,
    stride: int,
    offset: int,
    symmetric: bool,
    lam: Any,
    tang: Any,
    gamma: Any,
    theta: Any,
) -> None:  # pragma: no cover - compiled; exercised through mehler_gram
    r"""One nonlinearity on every pair: :math:`\gamma = \mathcal{W}\phi`,
    :math:`\theta = \Theta\,\mathcal{W}\phi'` by Horner's rule in :math:`x = c^{\rm stride}`
    over the reduced coefficients ``coef[m, input]`` of order :math:`n = {\rm first} +
    {\rm stride}\,m`. Rows ``r`` and ``n - 1 - r`` of a symmetric matrix go to one thread
    (equal work); columns in blocks of 64 (vectorized)."""
    n1, n2 = lam.shape
    n_terms = coef.shape[0]
    tasks = (n1 + 1) // 2 if symmetric else n1
    for task in numba.prange(tasks):
        r = np.int64(task)
        c = np.empty(_BLOCK)
        x = np.empty(_BLOCK)
        s = np.empty(_BLOCK)
        p = np.empty(_BLOCK)
        dp = np.empty(_BLOCK)
        for side in range(2 if symmetric else 1):
            i = r if side == 0 else n1 - 1 - r
            if side == 1 and i == r:
                continue
            start = i + 1 if symmetric else 0
            for jb in range(start, n2, _BLOCK):
                m = min(_BLOCK, n2 - jb)
                for k in range(m):
                    sk = math.sqrt(q[i] * q[offset + jb + k])
                    ck = min(1.0, max(-1.0, lam[i, jb + k] / sk))
                    s[k] = sk
                    c[k] = ck
                    x[k] = ck * ck if stride == 2 else ck
                    p[k] = 0.0
                    dp[k] = 0.0
                for t in range(n_terms - 1, -1, -1):
                    ai = coef[t, i]
                    for k in range(m):
                        dp[k] = dp[k] * x[k] + p[k]
                        p[k] = p[k] * x[k] + ai * coef[t, offset + jb + k]
                for k in range(m):
                    if stride == 1:
                        w, dw = p[k], dp[k]
                    elif first == 1:
                        w, dw = c[k] * p[k], p[k] + 2.0 * x[k] * dp[k]
                    else:
                        w, dw = p[k], 2.0 * c[k] * dp[k]
                    gamma[i, jb + k] = w
                    theta[i, jb + k] = tang[i, jb + k] * dw / s[k]


def _parity_terms(act: Smooth) -> tuple[int, int]:
    """``(first, stride)`` of the orders that enter: odd activations odd orders, even ones
    even orders (the others vanish by symmetry), else all."""
    parity = act.parity
    return (1, 2) if parity == "odd" else (0, 2) if parity == "even" else (0, 1)


def _unserved_pairs(
    act: Smooth,
    unserved: np.ndarray,
    q: np.ndarray,
    offset: int,
    symmetric: bool,
    lam: np.ndarray,
    tang: np.ndarray,
    gamma: np.ndarray,
    theta: np.ndarray,
) -> None:
    """Overwrite the pairs with an unserved input (``unserved``, per input) by the 2-D
    quadratures ``act.pair_reference``: rows (and columns) of those inputs only."""
    n1, n2 = lam.shape
    rows_bad = unserved[:n1]
    cols_bad = unserved[offset:offset + n2]
    mask = rows_bad[:, None] | cols_bad[None, :]
    if symmetric:
        mask &= np.triu(np.ones((n1, n2), dtype=bool), 1)
    i, j = np.nonzero(mask)
    if i.size == 0:
        return
    w, wd = act.pair_reference(q[i], q[offset + j], lam[i, j])
    gamma[i, j] = w
    theta[i, j] = tang[i, j] * wd


@np.errstate(over="ignore", invalid="ignore")
def mehler_gram(
    act: Smooth,
    coefficients: tuple[float, ...],
    a: np.ndarray,
    c: np.ndarray | None,
    depth: int,
) -> MehlerGram | None:
    r"""NNGP and NTK Gram matrices of ``act`` by Mehler's expansion (module docstring), or
    ``None`` where it fails: coefficients that do not converge within ``MAX_TERMS`` orders,
    or coefficient sums off the 1-D quadratures by more than ``1e-12``. Pairs with an input
    outside :meth:`Smooth.served` take ``act.pair_reference`` in that layer. An overflow
    comes back as infinite matrices (numpy's warnings off), which the caller reports.

    ``coefficients``: the Dense coefficients :math:`A, B, C` of
    :mod:`asymptote.recurrences.kernel_structure` (``q = A p + B``, ``Theta = q + C theta``).
    """
    scale, shift, tangent_scale = (float(v) for v in coefficients)
    first, stride = _parity_terms(act)
    a = np.ascontiguousarray(a, dtype=np.float64)
    other = a if c is None else np.ascontiguousarray(c, dtype=np.float64)
    rows = a if c is None else np.vstack([a, other])
    n_features = float(rows.shape[1])
    p_diag = np.einsum("ij,ij->i", rows, rows) / n_features
    t_diag = np.zeros_like(p_diag)
    gam = (a @ other.T) / n_features
    offset = 0 if c is None else a.shape[0]
    th = np.zeros_like(gam)
    gamma, theta = np.zeros_like(gam), np.zeros_like(gam)
    worst, max_terms = 0.0, 0
    for _ in range(depth):
        q = scale * p_diag + shift
        tq = q + tangent_scale * t_diag
        if not (np.all(np.isfinite(q)) and np.all(np.isfinite(tq))):
            overflow = np.full(gam.shape, np.inf)
            return MehlerGram(overflow, overflow.copy(), worst, max_terms)
        lam = scale * gam + shift
        tang = lam + tangent_scale * th
        distinct, where = np.unique(q, return_inverse=True)
        where = where.ravel()
        served = act.served(distinct)
        v_ref, vd_ref = (np.asarray(r, dtype=float) for r in act.reference(distinct))
        v, vd = v_ref.copy(), vd_ref.copy()  # unserved variances: the quadratures
        kept = np.zeros((distinct.size, 1))
        if served.any():
            coef = hermite_coefficients(act.phi, act.dphi, act.distance, distinct[served])
            if coef is None:
                return None
            keep = np.arange(coef.shape[1])[first::stride]
            kept = np.zeros((distinct.size, keep.size))
            kept[served] = coef[:, keep]
            # exactly rounded sums (np.sum along rows measured 8e-15 off for ~2000 terms)
            v[served] = [math.fsum(row) for row in kept[served] ** 2]
            vd[served] = [math.fsum(row) / qq for row, qq in
                          zip(keep * kept[served] ** 2, distinct[served], strict=True)]
            err = float(max(np.max(np.abs(v[served] / v_ref[served] - 1)),
                            np.max(np.abs(vd[served] / vd_ref[served] - 1))))
            if not err <= _CHECK:
                return None
            worst, max_terms = max(worst, err), max(max_terms, int(coef.shape[1]))
        per_input = np.ascontiguousarray(kept[where].T)
        _pair_layer(per_input, q, first, stride, offset, c is None, lam, tang, gamma, theta)
        if not served.all():
            _unserved_pairs(act, ~served[where], q, offset, c is None, lam, tang, gamma, theta)
        gam, th = gamma.copy(), theta.copy()
        p_diag, t_diag = v[where], tq * vd[where]
    nngp = scale * gam + shift
    ntk = nngp + tangent_scale * th
    if c is None:
        q = scale * p_diag + shift
        nngp = np.triu(nngp, 1)
        ntk = np.triu(ntk, 1)
        nngp = nngp + nngp.T
        ntk = ntk + ntk.T
        np.fill_diagonal(nngp, q)
        np.fill_diagonal(ntk, q + tangent_scale * t_diag)
    return MehlerGram(nngp, ntk, worst, max_terms)
