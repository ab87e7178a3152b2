r"""Free-probability theory of the input-output Jacobian of a deep network at its fixed point.

Network (``depth`` = L layers, width N to infinity): :math:`h^l = W^l \phi(h^{l-1}) + b^l`,
Jacobian :math:`J = \prod_{l=1}^{L} D^l W^l` with :math:`D^l = \mathrm{diag}\,\phi'(h^l)`, every
:math:`h^l` at the fixed point :math:`q^*` of the length map. The weights are Gaussian
(entries of variance :math:`\sigma_w^2/N`) or :math:`\sigma_w` times a Haar-orthogonal matrix.

With :math:`M_X(z) = \sum_{k\ge 1} m_k(X) z^k` the moment generating function of a spectral law,
:math:`\chi_X = M_X^{-1}` (inverse under composition) and the S-transform
:math:`S_X(z) = \frac{1+z}{z}\chi_X(z)` [MS17, Ch. 3], freeness of the factors gives
[PSG17, Sec. 2.3; PSG18, Sec. 3]

.. math:: S_{JJ^T}(z) = \prod_{l=1}^{L} S_{W^l W^{lT}}(z)\, S_{(D^l)^2}(z)
          = \big[S_{WW^T}(z)\, S_{D^2}(z)\big]^L ,

with :math:`S_{WW^T}(z) = 1/(\sigma_w^2 (1+z))` (Gaussian: Marchenko-Pastur law of ratio 1)
and :math:`S_{WW^T} = 1/\sigma_w^2` (orthogonal). :math:`D^2` has the law of
:math:`d = \phi'(\sqrt{q^*} z)^2`, :math:`z \sim N(0, 1)`, with moments
:math:`\mu_k = E[d^k]`.

Moments by Lagrange inversion. Writing :math:`\psi_D(z) = z/\chi_{D^2}(z)` and
:math:`g = 1` (Gaussian) or :math:`0` (orthogonal),

.. math:: \frac{1+z}{S_{JJ^T}(z)} = \sigma_w^{2L} (1+z)^{1+(g-1)L} \psi_D(z)^L =: \sigma_w^{2L} B(z),
          \qquad m_k = \frac{\sigma_w^{2Lk}}{k}\,[z^{k-1}]\, B(z)^k ,

since :math:`M_{JJ^T}` inverts :math:`z \mapsto z\,S_{JJ^T}(z)/(1+z)` (Lagrange-Buermann).
For the linear network with Gaussian weights (:math:`\psi_D = 1+z`) this is the Fuss-Catalan
number :math:`\binom{(L+1)k}{k}/(Lk+1)` times :math:`\sigma_w^{2Lk}`.

Mean and spread: :math:`m_1 = (\sigma_w^2 \mu_1)^L = \chi_1^L` and, exactly for every L,

.. math:: \frac{m_2}{m_1^2} - 1 = L\Big(\frac{\mu_2}{\mu_1^2} - 1 + g\Big) =: L\,c ,

(the :math:`z^1` coefficient of :math:`S` adds over free factors; [PSG17, Sec. 2.3]:
:math:`\sigma^2_{JJ^T} = L(\mu_2/\mu_1^2 - 1 - s_1)` at :math:`m_1 = 1`, with
:math:`s_1 = -1` Gaussian and :math:`0` orthogonal). For large L at fixed :math:`c`,
:math:`S_{JJ^T}(z) \approx m_1^{-1} e^{-cLz}` on :math:`z = O(1/L)`, whose inverse is the tree
function: :math:`m_k \simeq m_1^k\, \frac{k^{k-1}}{k!} (cL)^{k-1}` and the support edge
:math:`\lambda_{\max} \simeq e\, c L\, m_1` (the tree function's radius of convergence
:math:`1/e`); for the Gaussian linear net, :math:`(L+1)^{L+1}/L^L = e L + e/2 + O(1/L)`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import mpmath
import numpy as np
import sympy

from .. import _validate
from .._precision import check_dps, check_float64_square, round_mpf, workdps
from .._validate import to_exact, to_fraction
from ..activations import BoundActivation, as_activation
from ..activations._base import X
from ..errors import ConvergenceError

__all__ = [
    "WEIGHT_KINDS",
    "SquaredDerivativeLaw",
    "JacobianSpectrumModel",
    "squared_derivative_law",
    "spectrum_model",
    "spectrum_moments",
    "spectrum_variance",
    "spread_per_layer",
    "large_depth_moments",
    "large_depth_edge",
    "series_reversion",
]

#: Weight ensembles with their S-transform exponent g: S_{WW^T} = 1/(sigma_w^2 (1+z)^g).
WEIGHT_KINDS: dict[str, int] = {"gaussian": 1, "orthogonal": 0}

#: Gaussian truncation radius of the float64 trapezoid rule (exp(-R^2/2) < 3e-18).
_RADIUS_NP = 9.0
_MAX_LEVEL = 17

#: what a depth counts here, for messages
LAYERS = "number of layers"
#: largest moment order (the moment recursion of order K costs K^3)
MAX_ORDER = 200


# ---------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------
def check_weights(weights: object) -> int:
    if not isinstance(weights, str) or weights not in WEIGHT_KINDS:
        raise ValueError(f"weights must be one of {sorted(WEIGHT_KINDS)}, got {weights!r}")
    return WEIGHT_KINDS[weights]


# ---------------------------------------------------------------------------------------
# truncated power series over any field (sympy, mpf, float, complex)
# ---------------------------------------------------------------------------------------
def _mul(a: Sequence[Any], b: Sequence[Any], n: int) -> list[Any]:
    out = [a[0] * 0 for _ in range(n)]
    for i, ai in enumerate(a[:n]):
        if ai == 0:
            continue
        for j in range(min(len(b), n - i)):
            out[i + j] += ai * b[j]
    return out


def _inverse(a: Sequence[Any], n: int) -> list[Any]:
    """1/a(z) to order n (a[0] != 0)."""
    inv0 = 1 / a[0]
    out = [inv0] + [a[0] * 0 for _ in range(n - 1)]
    for k in range(1, n):
        acc = a[0] * 0
        for j in range(1, min(k, len(a) - 1) + 1):
            acc += a[j] * out[k - j]
        out[k] = -acc * inv0
    return out


def _power(a: Sequence[Any], e: int, n: int) -> list[Any]:
    """a(z)^e to order n for an integer e (negative allowed) by binary powering."""
    base = list(a[:n]) + [a[0] * 0] * max(0, n - len(a))
    if e < 0:
        base = _inverse(base, n)
        e = -e
    result = [a[0] ** 0] + [a[0] * 0] * (n - 1)
    while e:
        if e & 1:
            result = _mul(result, base, n)
        e >>= 1
        if e:
            base = _mul(base, base, n)
    return result


def _binomial_series(e: int, n: int, one: Any) -> list[Any]:
    """(1+z)^e to order n, generalized binomial coefficients in the field of ``one``."""
    out = [one]
    for j in range(1, n):
        out.append(out[-1] * (e - j + 1) / j)
    return out


def series_reversion(coefficients: Sequence[Any]) -> list[Any]:
    r"""Compositional inverse of :math:`f(w) = \sum_{k\ge1} a_k w^k` (``a_1 != 0``).

    Parameters
    ----------
    coefficients : sequence
        ``[a_1, a_2, ..., a_K]`` in any field (SymPy, mpf, float).

    Returns
    -------
    list
        ``[b_1, ..., b_K]`` with :math:`f^{-1}(z) = \sum b_k z^k + O(z^{K+1})`.

    Notes
    -----
    Lagrange inversion [MS17, Sec. 3]: :math:`b_k = \frac1k [w^{k-1}] (w/f(w))^k`.

    Examples
    --------
    >>> series_reversion([1, 1, 1, 1])  # inverse of w/(1-w) is z/(1+z)
    [1.0, -1.0, 1.0, -1.0]
    """
    a = list(coefficients)
    n = len(a)
    if n == 0 or a[0] == 0:
        raise ValueError("series_reversion needs a nonzero linear coefficient a_1")
    if all(isinstance(v, int) for v in a):
        a = [float(v) for v in a]
    ratio = _inverse(a, n)  # w / f(w)
    out = []
    power = [ratio[0] ** 0] + [ratio[0] * 0] * (n - 1)
    for k in range(1, n + 1):
        power = _mul(power, ratio, n)
        out.append(power[k - 1] / k)
    return out


# ---------------------------------------------------------------------------------------
# the law of D^2
# ---------------------------------------------------------------------------------------
@dataclass
class SquaredDerivativeLaw:
    r"""Law of :math:`d = \phi'(\sqrt{q} z)^2`, :math:`z \sim N(0,1)`.

    ``kind == 'atomic'``: :math:`\phi'` is piecewise constant (ReLU family, hard tanh,
    linear), the law is :math:`\sum_i p_i \delta_{d_i}` (``values``, ``probabilities``;
    ``exact_*`` hold SymPy numbers when they are exact). ``kind == 'gaussian'``: a smooth
    activation; expectations by the trapezoid rule on the real line, which converges
    exponentially for integrands analytic in a strip (Trefethen & Weideman, SIAM Rev. 56
    (2014) 385-458), refined by halving the step until two levels agree.
    """

    kind: str
    activation: BoundActivation
    q: Any
    backend: str
    values: tuple[Any, ...] = ()
    probabilities: tuple[Any, ...] = ()
    exact_values: tuple[Any, ...] | None = None
    exact_probabilities: tuple[Any, ...] | None = None
    _levels: list[tuple[Any, Any]] = field(default_factory=list, repr=False)
    _d_max: Any = field(default=None, repr=False)

    # ----- moments --------------------------------------------------------------------
    def moment(self, k: int) -> float | mpmath.mpf:
        r""":math:`\mu_k = E[d^k]`."""
        if self.kind == "atomic":
            return sum(p * v**k for v, p in zip(self.values, self.probabilities, strict=True))
        act = self.activation
        if self.backend == "numpy":
            from ..numeric.gaussian_np import expect_1d

            dphi = act.dphi_np
            return float(
                expect_1d(
                    lambda u: dphi(u) ** (2 * k),
                    self.q,
                    kinks=act.kinks,
                    singularity_distance=act.spec.singularity_distance,
                )
            )
        from ..numeric.gaussian_mp import expect_1d_mp

        dphi_mp = act.dphi_mp
        return expect_1d_mp(lambda u: dphi_mp(u) ** (2 * k), self.q, kinks=act.kinks)

    def exact_moment(self, k: int) -> sympy.Expr:
        if self.exact_values is None or self.exact_probabilities is None:
            raise ValueError(
                f"exact moments need a law with exact atoms (piecewise-constant phi' whose "
                f"law does not depend on q*), not that of {self.activation!r}"
            )
        return sympy.nsimplify(
            sum(p * v**k for v, p in zip(self.exact_values, self.exact_probabilities, strict=True))
        )

    @property
    def zero_mass(self) -> float | mpmath.mpf:
        """Probability that ``d = 0`` (an atom of the law at zero)."""
        if self.kind != "atomic":
            return 0
        return sum((p for v, p in zip(self.values, self.probabilities, strict=True) if v == 0), 0)

    @property
    def d_max(self) -> float | mpmath.mpf:
        """Supremum of the support of the law."""
        if self.kind == "atomic":
            return max(v for v, p in zip(self.values, self.probabilities, strict=True) if p > 0)
        if self._d_max is None:
            self._d_max = self._sup_gaussian()
        return self._d_max

    def _sup_gaussian(self) -> Any:
        """Supremum of phi'(u)^2 over u: grid over |u| <= 40 sqrt(q) and +-large u, then a
        golden-section polish of the best grid point."""
        act = self.activation
        qf = float(self.q)
        span = 40 * math.sqrt(qf) + 40
        grid = np.linspace(-span, span, 400001)
        vals = act.dphi_np(grid) ** 2
        i = int(np.argmax(vals))
        lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
        if self.backend == "numpy":
            f: Callable[[Any], Any] = lambda u: float(act.dphi_np(np.asarray(u)) ** 2)  # noqa: E731
            a, b = lo, hi
        else:
            f = lambda u: act.dphi_mp(u) ** 2  # noqa: E731
            a, b = mpmath.mpf(lo), mpmath.mpf(hi)
        golden = (math.sqrt(5) - 1) / 2
        steps = 80 if self.backend == "numpy" else int(mpmath.mp.prec * 1.5)
        for _ in range(steps):
            c1 = b - golden * (b - a)
            c2 = a + golden * (b - a)
            if f(c1) > f(c2):
                b = c2
            else:
                a = c1
        best = max(f(a), f(b))
        edge = max(f(grid[0]), f(grid[-1]))
        return max(best, edge if self.backend == "mpmath" else float(edge))

    # ----- transforms on the complex plane ------------------------------------------------
    def mgf(self, t: Any) -> tuple[Any, Any]:
        r""":math:`M(t) = E[d t/(1 - d t)]` and :math:`M'(t) = E[d/(1 - d t)^2]`.

        numpy backend: ``t`` a complex (or real) array; mpmath: a scalar mpc/mpf.
        """
        if self.kind == "atomic":
            if self.backend == "numpy":
                t = np.asarray(t)
                m = np.zeros(t.shape, dtype=np.result_type(t, float))
                dm = np.zeros_like(m)
            else:
                m = mpmath.mpf(0)
                dm = mpmath.mpf(0)
            for v, p in zip(self.values, self.probabilities, strict=True):
                if v == 0:
                    continue
                den = 1 - v * t
                m = m + p * v * t / den
                dm = dm + p * v / den**2
            return m, dm
        if self.kind != "gaussian":
            raise ValueError(
                f"the spectral density needs phi' piecewise constant or smooth; phi' of "
                f"{self.activation!r} has kinks with a continuous law (moments are available)"
            )
        if self.backend == "numpy":
            return self._mgf_np(np.asarray(t))
        return self._mgf_mp(t)

    def _level_np(self, level: int) -> tuple[np.ndarray, np.ndarray]:
        while len(self._levels) <= level:
            lev = len(self._levels)
            h = 0.5**lev
            if lev == 0:
                z = np.arange(-_RADIUS_NP, _RADIUS_NP + h / 2, h)
            else:
                z = np.arange(-_RADIUS_NP + h, _RADIUS_NP, 2 * h)
            d = self.activation.dphi_np(math.sqrt(float(self.q)) * z) ** 2
            weight = np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
            self._levels.append((d, weight))
        return self._levels[level]

    def _mgf_np(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        shape = t.shape
        flat = t.ravel().astype(complex)
        m_out = np.empty(flat.size, dtype=complex)
        dm_out = np.empty(flat.size, dtype=complex)
        todo = np.arange(flat.size)
        sums_m = np.zeros(flat.size, dtype=complex)
        sums_dm = np.zeros(flat.size, dtype=complex)
        size_m = np.zeros(flat.size)
        prev_m = np.full(flat.size, np.nan, dtype=complex)
        prev_dm = np.full(flat.size, np.nan, dtype=complex)
        for level in range(_MAX_LEVEL):
            d, w = self._level_np(level)
            h = 0.5**level
            tt = flat[todo]
            chunk = max(1, 2_000_000 // max(d.size, 1))
            add_m = np.empty(tt.size, dtype=complex)
            add_dm = np.empty(tt.size, dtype=complex)
            add_abs = np.empty(tt.size)
            for s in range(0, tt.size, chunk):
                tc = tt[s : s + chunk, None]
                inv = 1.0 / (1.0 - d[None, :] * tc)
                fm = d[None, :] * tc * inv
                add_m[s : s + chunk] = fm @ w
                add_dm[s : s + chunk] = (d[None, :] * inv * inv) @ w
                add_abs[s : s + chunk] = np.abs(fm) @ w
            if level == 0:
                sums_m[todo] = add_m
                sums_dm[todo] = add_dm
                size_m[todo] = add_abs
            else:
                sums_m[todo] += add_m
                sums_dm[todo] += add_dm
                size_m[todo] += add_abs
            cur_m = sums_m[todo] * h
            cur_dm = sums_dm[todo] * h
            scale_m = size_m[todo] * h
            done = (np.abs(cur_m - prev_m[todo]) <= 1e-11 * scale_m + 1e-300) & (
                np.abs(cur_dm - prev_dm[todo]) <= 1e-11 * np.abs(cur_dm) + 1e-300
            )
            m_out[todo] = cur_m
            dm_out[todo] = cur_dm
            prev_m[todo] = cur_m
            prev_dm[todo] = cur_dm
            todo = todo[~done]
            if todo.size == 0:
                return m_out.reshape(shape), dm_out.reshape(shape)
        raise ConvergenceError(
            f"E[d t/(1 - d t)] for {self.activation!r}: trapezoid rule unresolved at step "
            f"2^-{_MAX_LEVEL - 1} (t too close to 1/d on the support)",
            iterations=_MAX_LEVEL,
        )

    def _mgf_mp(self, t: Any) -> tuple[Any, Any]:
        radius = mpmath.sqrt(2 * mpmath.log(10) * (mpmath.mp.dps + 10))
        root = mpmath.sqrt(self.q)
        norm = 1 / mpmath.sqrt(2 * mpmath.pi)
        tol = mpmath.mpf(10) ** (-(mpmath.mp.dps - 6))
        cache: list[list[tuple[Any, Any]]] = self.__dict__.setdefault("_mp_levels", {}).setdefault(
            (mpmath.mp.prec, str(self.q)), []
        )
        total_m = total_dm = size = mpmath.mpf(0)
        prev: Any = None
        for level in range(_MAX_LEVEL):
            h = mpmath.mpf(2) ** (-level - 1)
            if len(cache) <= level:
                count = int(radius / h) + 1
                nodes = []
                for j in range(-count, count + 1):
                    if level > 0 and j % 2 == 0:
                        continue  # even multiples of h are the previous levels' nodes
                    z = j * h
                    nodes.append(
                        (
                            self.activation.dphi_mp(root * z) ** 2,
                            norm * mpmath.exp(-z * z / 2),
                        )
                    )
                cache.append(nodes)
            for d, w in cache[level]:
                den = 1 - d * t
                fm = d * t / den
                total_m += w * fm
                total_dm += w * d / den**2
                size += w * abs(fm)
            cur = (total_m * h, total_dm * h)
            if (
                prev is not None
                and abs(cur[0] - prev[0]) <= tol * size * h
                and abs(cur[1] - prev[1]) <= tol * abs(cur[1])
            ):
                return cur
            prev = cur
        raise ConvergenceError(
            f"E[d t/(1 - d t)] for {self.activation!r}: mp trapezoid rule unresolved",
            iterations=_MAX_LEVEL,
        )


def _piecewise_constant_pieces(act: BoundActivation) -> list[tuple[Any, Any, sympy.Expr]] | None:
    """[(left, right, phi'^2 on the interval)] if phi' is constant between kinks, else None."""
    dphi = act.spec.dphi.subs(act.sympy_subs)
    pieces = [e for e, _ in dphi.args] if isinstance(dphi, sympy.Piecewise) else [dphi]
    if any(X in sympy.sympify(e, strict=True).free_symbols for e in pieces):
        return None
    kinks = sorted({sympy.nsimplify(k.subs(act.sympy_subs)) for k in act.spec.kinks}, key=float)
    edges: list[Any] = [-sympy.oo, *kinks, sympy.oo]
    out = []
    for left, right in zip(edges[:-1], edges[1:], strict=True):
        if left == -sympy.oo:
            mid = right - 1 if right != sympy.oo else sympy.Integer(0)
        elif right == sympy.oo:
            mid = left + 1
        else:
            mid = (left + right) / 2
        value = sympy.nsimplify(sympy.sympify(dphi.subs(X, mid), strict=True) ** 2)
        out.append((left, right, value))
    return out


def squared_derivative_law(act: BoundActivation, q: Any, backend: str) -> SquaredDerivativeLaw:
    r"""The law of :math:`\phi'(\sqrt{q} z)^2` at the working precision (``backend`` is
    ``'numpy'`` or ``'mpmath'``; call inside :func:`workdps` for the latter)."""
    pieces = _piecewise_constant_pieces(act)
    homogeneous = act.homogeneity_degree is not None
    if pieces is not None:
        grouped: dict[sympy.Expr, list[tuple[Any, Any]]] = {}
        for left, right, value in pieces:
            grouped.setdefault(value, []).append((left, right))
        values, probs, exact_v, exact_p = [], [], [], []
        exact_ok = homogeneous or q == 0
        for value, intervals in grouped.items():
            prob_exact = sympy.Integer(0)
            prob = 0.0 if backend == "numpy" else mpmath.mpf(0)
            for left, right in intervals:
                if q == 0 or homogeneous:
                    # the law does not depend on q (q = 1 for homogeneous phi)
                    qq = sympy.Integer(1) if homogeneous else None
                    if qq is None:
                        inside = left < 0 < right or (left == 0 and right > 0)
                        prob_exact += 1 if inside else 0
                    else:
                        cdf = lambda x: (  # noqa: E731
                            sympy.Integer(0)
                            if x == -sympy.oo
                            else sympy.Integer(1)
                            if x == sympy.oo
                            else (1 + sympy.erf(x / sympy.sqrt(2))) / 2
                        )
                        prob_exact += cdf(right) - cdf(left)
                if backend == "numpy":
                    s = 1.0 if homogeneous else math.sqrt(float(q))
                    lo = 0.0 if left == -sympy.oo else _ncdf(float(left), s)
                    hi = 1.0 if right == sympy.oo else _ncdf(float(right), s)
                else:
                    s = mpmath.mpf(1) if homogeneous else mpmath.sqrt(q)
                    lo = mpmath.mpf(0) if left == -sympy.oo else _ncdf_mp(left, s)
                    hi = mpmath.mpf(1) if right == sympy.oo else _ncdf_mp(right, s)
                prob += hi - lo
            if q == 0 and not homogeneous:
                prob = float(prob_exact) if backend == "numpy" else mpmath.mpf(int(prob_exact))
            if prob == 0:
                continue
            values.append(float(value) if backend == "numpy" else _sympy_to_mpf(value))
            probs.append(prob)
            exact_v.append(value)
            exact_p.append(sympy.nsimplify(prob_exact))
        return SquaredDerivativeLaw(
            "atomic",
            act,
            q,
            backend,
            tuple(values),
            tuple(probs),
            tuple(exact_v) if exact_ok else None,
            tuple(exact_p) if exact_ok else None,
        )
    if act.spec.kinks:
        return SquaredDerivativeLaw("kinked", act, q, backend)
    if q == 0:
        value = sympy.nsimplify(act.spec.dphi.subs(act.sympy_subs).subs(X, 0) ** 2)
        v = float(value) if backend == "numpy" else _sympy_to_mpf(value)
        one = 1.0 if backend == "numpy" else mpmath.mpf(1)
        return SquaredDerivativeLaw("atomic", act, q, backend, (v,), (one,), None, None)
    return SquaredDerivativeLaw("gaussian", act, q, backend)


def _ncdf(x: float, s: float) -> float:
    return 0.5 * math.erfc(-x / (s * math.sqrt(2)))


def _ncdf_mp(x: sympy.Expr, s: Any) -> Any:
    return mpmath.ncdf(_sympy_to_mpf(x) / s)


def _sympy_to_mpf(value: sympy.Expr) -> Any:
    return mpmath.mpf(sympy.N(value, mpmath.mp.dps + 5))


# ---------------------------------------------------------------------------------------
# the model: law of D^2, sigma_w, depth, weight kind
# ---------------------------------------------------------------------------------------
@dataclass
class JacobianSpectrumModel:
    r"""Everything the spectrum of :math:`JJ^T` depends on, at one precision.

    Attributes
    ----------
    law : SquaredDerivativeLaw
    sigma_w2 : float or mpf
        :math:`\sigma_w^2`.
    depth : int
    gaussian : int
        1 for Gaussian weights, 0 for orthogonal.
    q_star : float, mpf or None
        Fixed point of the length map (``None`` where it is not determined: positively
        homogeneous activations at :math:`\chi_1 \ge 1`, whose :math:`D^2` law does not
        depend on it).
    """

    law: SquaredDerivativeLaw
    sigma_w2: Any
    depth: int
    gaussian: int
    q_star: Any
    backend: str
    _mu: dict[int, Any] = field(default_factory=dict, repr=False)

    def mu(self, k: int) -> float | mpmath.mpf:
        r""":math:`\mu_k = E[d^k]` of the law of :math:`D^2` (cached)."""
        if k not in self._mu:
            self._mu[k] = self.law.moment(k)
        return self._mu[k]

    def moments(self, order: int) -> list[Any]:
        """m_1..m_order by Lagrange inversion (see module docstring)."""
        mus = [self.mu(k) for k in range(1, order + 1)]
        one = 1.0 if self.backend == "numpy" else mpmath.mpf(1)
        return _moments_from_mu(mus, self.sigma_w2, self.depth, self.gaussian, one)

    # ----- the functional equation -------------------------------------------------------
    def log_chi(self, t: Any) -> tuple[Any, Any, Any]:
        r"""For the subordination variable :math:`t = \chi_{D^2}(m)`: returns
        :math:`m = M_{D^2}(t)`, :math:`\log\chi_{JJ^T}(m)` and its derivative in ``t``:

        .. math:: \log\chi_{JJ^T} = \log\frac{m}{1+m} + L\big[\log t + (1-g)\log(1+m) - \log m
                  - \log\sigma_w^2\big].
        """
        m, dm = self.law.mgf(t)
        L, g = self.depth, self.gaussian
        if self.backend == "numpy":
            log = np.log
        else:
            log = mpmath.log
        value = (
            log(m) - log(1 + m) + L * (log(t) + (1 - g) * log(1 + m) - log(m) - log(self.sigma_w2))
        )
        deriv = dm * (1 / m - 1 / (1 + m)) + L * (1 / t + (1 - g) * dm / (1 + m) - dm / m)
        return m, value, deriv


def _moments_from_mu(
    mus: list[Any], sigma_w2: Any, depth: int, gaussian: int, one: Any
) -> list[Any]:
    order = len(mus)
    chi_d = series_reversion(mus)  # chi_{D^2}(z) = sum b_k z^k
    psi = _inverse(chi_d, order)  # z / chi_{D^2}(z)
    # sigma_w^2 psi_D is O(1) near criticality: fold it in before powering (no overflow)
    scaled = [sigma_w2 * c for c in psi]
    base = _mul(
        _binomial_series(1 + (gaussian - 1) * depth, order, one),
        _power(scaled, depth, order),
        order,
    )
    out = []
    power = [one] + [one * 0] * (order - 1)
    for k in range(1, order + 1):
        power = _mul(power, base, order)
        out.append(power[k - 1] / k)
    return out


def spectrum_model(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    *,
    depth: int,
    weights: str = "gaussian",
    backend: str = "numpy",
    **params: object,
) -> JacobianSpectrumModel:
    """Build the model at the working precision (``backend='mpmath'``: call inside workdps)."""
    from ..feedforward import fixed_point_length

    act = as_activation(activation, **params)
    depth = _validate.depth(depth, minimum=1, meaning=LAYERS)
    g = check_weights(weights)
    dps = None if backend == "numpy" else mpmath.mp.dps  # mpmath: the caller's precision
    sw = _validate.standard_deviation(sigma_w, "sigma_w", dps=dps, positive=True)
    sb = _validate.standard_deviation(sigma_b, "sigma_b", dps=dps)
    homogeneous = act.homogeneity_degree is not None
    q_star: Any
    try:
        if backend == "numpy":
            q_star = fixed_point_length(act, sw, sb)
        else:
            q_star = fixed_point_length(act, sigma_w, sigma_b, dps=mpmath.mp.dps)
    except (ConvergenceError, ZeroDivisionError):
        # positively homogeneous phi at chi_1 >= 1: q* undetermined or infinite; the law of
        # phi'(h)^2 does not depend on it (fixed_point_length divides 0/0 at dps when
        # sigma_b = 0 and sigma_w^2 V(1) = 1 exactly)
        if not homogeneous:
            raise
        q_star = None
    q_law = (1.0 if backend == "numpy" else mpmath.mpf(1)) if homogeneous else q_star
    law = squared_derivative_law(act, q_law, backend)
    return JacobianSpectrumModel(law, sw * sw, depth, g, q_star, backend)


# ---------------------------------------------------------------------------------------
# public functions
# ---------------------------------------------------------------------------------------
def _exact_sigma(value: object, name: str = "sigma_w") -> sympy.Expr:
    """Exact SymPy value of a standard deviation, never through SymPy's parser.

    Floats keep their binary value; text follows the strict grammar of
    :mod:`asymptote._validate` (plus ``"sqrt(r)"``); SymPy numbers without free symbols are
    kept as given.
    """
    if isinstance(value, float):
        frac = to_fraction(value, name)
        return sympy.Rational(frac.numerator, frac.denominator)
    return to_exact(value, name)  # type: ignore[no-any-return]


def spectrum_moments(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    *,
    depth: int,
    weights: str = "gaussian",
    order: int = 4,
    exact: bool = False,
    dps: int | None = None,
    **params: object,
) -> list[Any]:
    r"""Moments :math:`m_k = \lim_N \frac1N E\,\mathrm{tr}(JJ^T)^k`, ``k = 1..order``.

    Parameters
    ----------
    activation : str or BoundActivation
    sigma_w, sigma_b : float, str, Fraction or mpf (``exact=True``: also a SymPy number)
        Standard deviations of weights (times sqrt(fan-in)) and biases.
    depth : int
        Number of layers L >= 1.
    weights : {'gaussian', 'orthogonal'}
    order : int
        Number of moments K (1 to 200).
    exact : bool
        Return SymPy numbers (rationals when the inputs are rational). Needs a
        piecewise-constant :math:`\phi'` whose law does not depend on :math:`q^*` (ReLU,
        leaky ReLU, abs, linear); ``sigma_w`` is read exactly (``"1.5"``, ``Fraction``,
        ``sympy.sqrt(2)``).
    dps : int or None
        None: float64; int: mpmath at that many digits.

    Returns
    -------
    list
        ``[m_1, ..., m_K]`` as floats, mpf or SymPy numbers.

    Raises
    ------
    ValueError
        Bad depth, weights, order, standard deviations, or ``exact=True`` for a law that is
        not exact.
    ConvergenceError
        No finite fixed point :math:`q^*` (a non-homogeneous activation in a phase where the
        length diverges).

    Notes
    -----
    :math:`m_k = \frac{\sigma_w^{2Lk}}{k}[z^{k-1}]\big((1+z)^{1+(g-1)L}\psi_D(z)^L\big)^k`,
    :math:`\psi_D = z/\chi_{D^2}(z)` from the moments :math:`\mu_k` of :math:`D^2` by series
    reversion; from :math:`S_{JJ^T} = (S_{WW^T} S_{D^2})^L` [PSG17, Sec. 2.3; PSG18, Sec. 3;
    MS17, Ch. 3].

    Examples
    --------
    >>> spectrum_moments("linear", 1, 0, depth=2, order=3, exact=True)  # Fuss-Catalan
    [1, 3, 12]
    >>> spectrum_moments("relu", "2", 0, depth=1, weights="orthogonal", order=2, exact=True)
    [2, 8]
    """
    act = as_activation(activation, **params)
    depth = _validate.depth(depth, minimum=1, meaning=LAYERS)
    g = check_weights(weights)
    order = _validate.integer(order, "order", minimum=1, maximum=MAX_ORDER)
    if exact:
        sw = _exact_sigma(sigma_w)
        if not sw.is_positive:
            raise ValueError(f"sigma_w must be > 0, got {sigma_w!r}")
        sw_float = float(sw)
        check_float64_square(sw_float, "sigma_w", sigma_w)  # q* is found in float64
        model = spectrum_model(act, sw_float, sigma_b, depth=depth, weights=weights)
        mus = [model.law.exact_moment(k) for k in range(1, order + 1)]
        out = _moments_from_mu(mus, sw**2, depth, g, sympy.Integer(1))
        return [sympy.nsimplify(sympy.expand(v)) for v in out]
    if dps is None:
        model = spectrum_model(act, sigma_w, sigma_b, depth=depth, weights=weights)
        values = model.moments(order)
        values = [float(v) for v in values]
        if not all(math.isfinite(v) for v in values):
            raise OverflowError(
                f"moments overflow float64 at depth = {depth}; use dps for exploding spectra"
            )
        return values
    dps = check_dps(dps)
    with workdps(dps):
        model = spectrum_model(
            act, sigma_w, sigma_b, depth=depth, weights=weights, backend="mpmath"
        )
        return [round_mpf(v, dps) for v in model.moments(order)]


@overload
def spread_per_layer(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    *,
    weights: str = ...,
    dps: None = ...,
    **params: object,
) -> float: ...
@overload
def spread_per_layer(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    *,
    weights: str = ...,
    dps: int,
    **params: object,
) -> mpmath.mpf: ...
def spread_per_layer(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    *,
    weights: str = "gaussian",
    dps: int | None = None,
    **params: object,
) -> float | mpmath.mpf:
    r"""Per-layer spread :math:`c = \mu_2/\mu_1^2 - 1 + g` (``g`` = 1 Gaussian, 0 orthogonal),
    so that :math:`m_2/m_1^2 - 1 = L c` exactly [PSG17, Sec. 2.3].

    Parameters
    ----------
    activation : str or BoundActivation
    sigma_w, sigma_b : float, str, Fraction or mpf
        Standard deviations of weights (times sqrt(fan-in)) and biases.
    weights : {'gaussian', 'orthogonal'}
    dps : int or None
        None: float64; int: mpmath at that many digits.

    Returns
    -------
    float or mpf
        The spread :math:`c`: a ``float`` for ``dps=None``, an ``mpf`` rounded to
        ``dps`` digits otherwise.

    Examples
    --------
    >>> spread_per_layer("relu", 2 ** 0.5, 0.0, weights="orthogonal")
    1.0
    """
    act = as_activation(activation, **params)
    g = check_weights(weights)
    if dps is None:
        model = spectrum_model(act, sigma_w, sigma_b, depth=1, weights=weights)
        return float(model.mu(2) / model.mu(1) ** 2 - 1 + g)
    dps = check_dps(dps)
    with workdps(dps):
        model = spectrum_model(act, sigma_w, sigma_b, depth=1, weights=weights, backend="mpmath")
        return round_mpf(model.mu(2) / model.mu(1) ** 2 - 1 + g, dps)


@overload
def spectrum_variance(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    *,
    depth: int,
    weights: str = ...,
    dps: None = ...,
    **params: object,
) -> float: ...
@overload
def spectrum_variance(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    *,
    depth: int,
    weights: str = ...,
    dps: int,
    **params: object,
) -> mpmath.mpf: ...
def spectrum_variance(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    *,
    depth: int,
    weights: str = "gaussian",
    dps: int | None = None,
    **params: object,
) -> float | mpmath.mpf:
    r"""Variance :math:`m_2 - m_1^2` of the limiting spectrum of :math:`JJ^T`.

    Parameters
    ----------
    activation : str or BoundActivation
    sigma_w, sigma_b : float, str, Fraction or mpf
        Standard deviations of weights (times sqrt(fan-in)) and biases.
    depth : int
        Number of layers L >= 1.
    weights : {'gaussian', 'orthogonal'}
    dps : int or None
        None: float64; int: mpmath at that many digits.

    Returns
    -------
    float or mpf
        :math:`m_2 - m_1^2`: a ``float`` for ``dps=None``, an ``mpf`` rounded to
        ``dps`` digits otherwise.

    Notes
    -----
    Closed form :math:`m_2 - m_1^2 = m_1^2\, L\,(\mu_2/\mu_1^2 - 1 + g)`,
    :math:`m_1 = (\sigma_w^2\mu_1)^L`; at criticality (:math:`m_1 = 1`) this is
    [PSG17, Sec. 2.3] :math:`\sigma_{JJ^T}^2 = L(\mu_2/\mu_1^2 - 1 - s_1)`.

    Examples
    --------
    >>> round(spectrum_variance("relu", 2 ** 0.5, 0.0, depth=10, weights="gaussian"), 12)  # 2L
    20.0
    """
    act = as_activation(activation, **params)
    depth = _validate.depth(depth, minimum=1, meaning=LAYERS)
    g = check_weights(weights)
    if dps is None:
        model = spectrum_model(act, sigma_w, sigma_b, depth=depth, weights=weights)
        mu1, mu2 = model.mu(1), model.mu(2)
        log_m1 = depth * math.log(model.sigma_w2 * mu1)
        if 2 * log_m1 > 709:
            raise OverflowError(f"the variance overflows float64 at depth = {depth}; use dps")
        return float(math.exp(2 * log_m1) * depth * (mu2 / mu1**2 - 1 + g))
    dps = check_dps(dps)
    with workdps(dps):
        model = spectrum_model(
            act, sigma_w, sigma_b, depth=depth, weights=weights, backend="mpmath"
        )
        mu1, mu2 = model.mu(1), model.mu(2)
        value = (model.sigma_w2 * mu1) ** (2 * depth) * depth * (mu2 / mu1**2 - 1 + g)
        return round_mpf(value, dps)


def large_depth_moments(mean: Any, spread: Any, depth: int, order: int) -> list[Any]:
    r"""Leading large-L moments :math:`m_k \simeq m_1^k \frac{k^{k-1}}{k!}(cL)^{k-1}`.

    ``mean`` is :math:`m_1`, ``spread`` the per-layer :math:`c` of :func:`spread_per_layer`.
    Derived from :math:`S_{JJ^T}(z) \simeq m_1^{-1} e^{-cLz}` (see the module docstring).

    Examples
    --------
    >>> large_depth_moments(1.0, 1.0, 100, 3)
    [1.0, 100.0, 15000.0]
    """
    order = _validate.integer(order, "order", minimum=1, maximum=MAX_ORDER)
    return [
        mean**k * k ** (k - 1) / math.factorial(k) * (spread * depth) ** (k - 1)
        for k in range(1, order + 1)
    ]


def large_depth_edge(mean: Any, spread: Any, depth: int) -> float | mpmath.mpf:
    r"""Leading large-L support edge :math:`\lambda_{\max} \simeq e\,c\,L\,m_1` (module docstring).

    Parameters
    ----------
    mean : float or mpf
        :math:`m_1`.
    spread : float or mpf
        The per-layer :math:`c` of :func:`spread_per_layer`.
    depth : int
        :math:`L`.

    Returns
    -------
    float or mpf
        A ``float`` when ``mean`` and ``spread`` are both floats, an ``mpf`` otherwise.

    Examples
    --------
    >>> round(large_depth_edge(1.0, 1.0, 100), 6)
    271.828183
    """
    e = math.e if isinstance(mean, float) and isinstance(spread, float) else mpmath.e
    return e * spread * depth * mean
