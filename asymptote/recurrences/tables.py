r"""Tabulated Gaussian transforms of a smooth non-homogeneous activation, for the compiled
long-depth loop (:mod:`asymptote.recurrences.tabulated`).

On :math:`q \in [q_{\min}, q_{\max}]` (``Q_MIN``, ``Q_MAX``), with :math:`x = \log q`, piecewise
Chebyshev series hold :math:`\log\mathcal{V}\phi(q)`, :math:`\log\mathcal{V}\phi'(q)`,
:math:`\mathcal{M}\phi(q)` (1-D, in :math:`x`) and the *normalized gap*

.. math::

    H(q, \theta) = \frac{\mathcal{V}\phi(q) - \mathcal{W}\phi(q, q\cos\theta)}{q\,(1 - \cos\theta)},
    \qquad H(q, 0) = \mathcal{V}\phi'(q),

as :math:`\log H` on a tensor grid of panels in :math:`(x, \theta)`, graded towards
:math:`\theta = 0`. With :math:`\delta = 1 - c = 2\sin^2(\theta/2)` computed from the iteration's
:math:`1 - e` directly, the gap :math:`\mathcal{V}\phi - \mathcal{W}\phi = q\,\delta\,H` keeps
the table's *relative* accuracy however small :math:`\delta` is (the deep dynamics are driven by
small gaps).

**Construction (Mehler).** With the normalized Hermite coefficients
:math:`a_n(q) = E[\phi(\sqrt q z)\,He_n(z)]/\sqrt{n!}`, Mehler's formula (DLMF 18.18.28) gives
:math:`\mathcal{W}\phi(q, qc) = \sum_n a_n^2 c^n`, hence

.. math::

    H(q, \theta) = \frac1q \sum_{n \ge 1} a_n^2\, \frac{1 - c^n}{1 - c}, \qquad
    \mathcal{V}\phi(q) = \sum_n a_n^2, \qquad q\,\mathcal{V}\phi'(q) = \sum_n n\, a_n^2

(Price's theorem [P58] term by term), a sum of *nonnegative* terms for :math:`|c| \le 1`
(:math:`(1 - c^n)/(1 - c) = -\operatorname{expm1}(n \log(1 - \delta))/\delta` for
:math:`c \ge 0`): no cancellation at any :math:`\delta`. The :math:`a_n` come from the
trapezoidal rule in :math:`z` (geometric convergence for integrands analytic in a strip:
:math:`\phi(\sqrt q z)` is analytic in :math:`|\mathrm{Im}\,z| < d/\sqrt q`, :math:`d` the
activation's ``singularity_distance``) with :math:`He_n\varphi/\sqrt{n!}` from the
normalized three-term recurrence (DLMF 18.9.1); the series is cut where
:math:`\sum_{n > N} n a_n^2 < 10^{-17}\sum_n n a_n^2`.

**Measured errors** (attributes, set at build): ``mehler_error`` -- the largest relative
difference of :math:`\sum a_n^2` and :math:`\sum n a_n^2/q` from the independent float64
1-D transforms :math:`\mathcal{V}\phi, \mathcal{V}\phi'` (:func:`asymptote.transforms.transform`)
over the :math:`q` nodes (the series' worst case, :math:`c = 1`); ``interpolation_error`` --
the largest relative error of the Chebyshev tables at points halfway between nodes (cell
points :math:`\xi = \pm 1/2` in each variable) against the series / the 1-D transforms, by
quantity. The tests compare the table with mpmath at 30 digits off the grid. Outside
:math:`[q_{\min}, q_{\max}]` the table does not extrapolate: the compiled loop reports the
layer where :math:`q` left it and :func:`asymptote.recurrences.iterate.iterate` falls back to
its quadrature path.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from numpy.typing import NDArray

from ..activations import BoundActivation
from ..transforms import transform
from .bind import mean_transform
from .gap_tables import clenshaw

__all__ = ["Q_MAX", "Q_MIN", "TransformTable", "supports_table", "transform_table"]

FloatArray = NDArray[np.float64]

#: the table's domain in q (variance of the pre-activation)
Q_MIN = 1e-4
Q_MAX = 64.0
#: Chebyshev degree + 1 per panel, in x = log q and in theta
NX = 14
NT = 14
#: panel edges in theta, graded towards 0 and pi where H varies on the scale 1/sqrt(q)
#: (c^n ~ exp(-n theta^2 / 2) near c = 1, |c|^n ~ exp(-n (pi - theta)^2 / 2) near c = -1)
_GRADED = np.array([1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2])
THETA_EDGES = np.concatenate(
    [[0.0], _GRADED, [0.75, 1.0, 1.5, 2.0, 2.4], math.pi - _GRADED[::-1], [math.pi]]
)
#: panel width in x = log q
X_PANEL = 1.0
#: largest Hermite order used (a build needing more fails)
_N_CAP = 20000
_TAIL = 1e-17


def supports_table(act: BoundActivation) -> bool:
    r"""Smooth (no kinks), not positively homogeneous, every transform defined, and no closed
    form for :math:`\mathcal{W}\phi` at these parameters.

    With a closed form (erf, sin) the quadrature path evaluates the transforms exactly and
    cheaply, while a table in :math:`x = \log q` would only approximate them: for sin, whose
    transforms carry :math:`e^{-2q}`, a double exponential in :math:`x`, the unit panels give
    relative errors of ``3e-13`` (V) and ``7e-11`` (H), measured.
    """
    return (  # cheap checks first: the homogeneity degree is derived with SymPy (~0.5 s)
        not act.kinks
        and all(act.undefined_reason(k) is None for k in ("V", "W", "Vd", "Wd"))
        and not act.closed_form_valid("W")
        and act.homogeneity_degree_exact is None
    )


def _cheb_nodes(n: int) -> FloatArray:
    return np.cos(np.pi * (np.arange(n) + 0.5) / n)


def _hermite_coefficients(act: BoundActivation, q: float) -> FloatArray:
    r""":math:`a_n(q)`, :math:`n = 0..N`, by the trapezoidal rule (module docstring)."""
    d = min(float(act.spec.singularity_distance), 3.0) / math.sqrt(q)
    n_est = min(int(250.0 / d**2) + 40, _N_CAP)
    h = min(0.05, 2 * math.pi * d / (45.0 + 2.0 * math.sqrt(n_est) * d))
    z_max = 13.0  # |He_n phi / sqrt(n!)| <= e^{-z^2/4} (times n^{-1/4}): below 1e-18 beyond
    z = np.arange(-z_max, z_max + h / 2, h)
    f = np.asarray(act.phi_np(math.sqrt(q) * z), dtype=float) * h
    e_prev = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    e_cur = z * e_prev
    coef = [float(f @ e_prev), float(f @ e_cur)]
    weighted = coef[1] ** 2
    total_tail_checked = False
    n = 1
    while n < _N_CAP:
        e_prev, e_cur = e_cur, (z * e_cur - math.sqrt(n) * e_prev) / math.sqrt(n + 1)
        n += 1
        a = float(f @ e_cur)
        coef.append(a)
        weighted += n * a * a
        if n >= 8 and n % 8 == 0:
            recent = sum(k * coef[k] ** 2 for k in range(n - 15, n + 1))
            if recent < _TAIL * weighted and n > 40:
                total_tail_checked = True
                break
    if not total_tail_checked:
        raise RuntimeError(f"Hermite series of {act!r} at q = {q:.3g} did not converge")
    return np.array(coef)


def _normalized_gap(coef: FloatArray, q: float, theta: FloatArray) -> FloatArray:
    r""":math:`H(q, \theta)` from the Hermite coefficients (nonnegative terms)."""
    n = np.arange(coef.size, dtype=float)[1:, None]
    w = (coef[1:] ** 2)[:, None]
    th = np.asarray(theta, dtype=float)[None, :]
    delta = 2.0 * np.sin(0.5 * th) ** 2
    c = np.cos(th)
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = -np.expm1(n * np.log1p(-np.minimum(delta, 1.0))) / delta
        neg = (1.0 - c**n) / (1.0 - c)
    ratio = np.where(c >= 0.0, pos, neg)
    ratio = np.where(th == 0.0, n, ratio)
    return np.asarray(np.sum(w * ratio, axis=0) / q)


class TransformTable:
    """Piecewise-Chebyshev tables of one activation's transforms (module docstring)."""

    def __init__(self, act: BoundActivation, q_min: float = Q_MIN, q_max: float = Q_MAX) -> None:
        if not supports_table(act):
            raise ValueError(f"transform tables need a smooth non-homogeneous activation, "
                             f"got {act!r}")
        self.activation = act
        x_lo, x_hi = math.log(q_min), math.log(q_max)
        n_panels = max(1, int(math.ceil((x_hi - x_lo) / X_PANEL)))
        self.x_edges = np.linspace(x_lo, x_hi, n_panels + 1)
        self.t_edges = THETA_EDGES.astype(float)
        nx, nt = _cheb_nodes(NX), _cheb_nodes(NT)
        xs = np.array([0.5 * (a + b) + 0.5 * (b - a) * nx
                       for a, b in zip(self.x_edges[:-1], self.x_edges[1:], strict=True)])
        ts = np.array([0.5 * (a + b) + 0.5 * (b - a) * nt
                       for a, b in zip(self.t_edges[:-1], self.t_edges[1:], strict=True)])
        qs = np.exp(xs)
        v = np.asarray(transform("V", act, qs), dtype=float)
        vd = np.asarray(transform("Vd", act, qs), dtype=float)
        mean = np.asarray(mean_transform(act, qs), dtype=float)
        fit = np.polynomial.chebyshev.chebfit
        self.v_coef = np.array([fit(nx, np.log(row), NX - 1) for row in v])
        self.vd_coef = np.array([fit(nx, np.log(row), NX - 1) for row in vd])
        self.m_coef = np.array([fit(nx, row, NX - 1) for row in mean])
        # 2-D: log H on each (x panel, theta panel) cell, coefficients [i (x), j (theta)]
        coef_cache: dict[float, FloatArray] = {}
        mehler = 0.0
        log_h = np.empty((*xs.shape, *ts.shape))
        for i, row in enumerate(qs):
            for k, q in enumerate(row):
                a = _hermite_coefficients(act, float(q))
                coef_cache[float(q)] = a
                mehler = max(mehler, abs(float(np.sum(a * a)) / v[i, k] - 1),
                             abs(float(np.sum(np.arange(a.size) * a * a)) / q / vd[i, k] - 1))
                log_h[i, k] = np.log(_normalized_gap(a, float(q), ts.ravel())).reshape(ts.shape)
        self.h_coef = np.empty((len(xs), len(ts), NX, NT))
        vander_x = np.polynomial.chebyshev.chebvander(nx, NX - 1)
        vander_t = np.polynomial.chebyshev.chebvander(nt, NT - 1)
        inv_x, inv_t = np.linalg.pinv(vander_x), np.linalg.pinv(vander_t)
        for i in range(len(xs)):
            for j in range(len(ts)):
                self.h_coef[i, j] = inv_x @ log_h[i, :, j, :] @ inv_t.T
        self.mehler_error = mehler
        self.interpolation_error = self._measure(act)

    # ---------------------------------------------------------------- evaluation (numpy)
    def _panel(self, edges: FloatArray, y: float) -> tuple[int, float]:
        k = int(np.clip(np.searchsorted(edges, y, side="right") - 1, 0, len(edges) - 2))
        a, b = edges[k], edges[k + 1]
        return k, (2.0 * y - (a + b)) / (b - a)

    def in_domain(self, q: float) -> bool:
        """Whether ``q`` lies in the table's domain."""
        return bool(self.x_edges[0] <= math.log(q) <= self.x_edges[-1])

    def one_d(self, q: float) -> tuple[float, float, float]:
        """``(V, Vd, M)`` at ``q`` from the tables."""
        i, xi = self._panel(self.x_edges, math.log(q))
        return (math.exp(float(clenshaw(xi, self.v_coef[i]))),
                math.exp(float(clenshaw(xi, self.vd_coef[i]))),
                float(clenshaw(xi, self.m_coef[i])))

    def normalized_gap(self, q: float, theta: float) -> float:
        """``H(q, theta)`` from the table."""
        i, xi = self._panel(self.x_edges, math.log(q))
        j, eta = self._panel(self.t_edges, theta)
        tx = np.polynomial.chebyshev.chebvander(np.array([xi]), NX - 1)[0]
        tt = np.polynomial.chebyshev.chebvander(np.array([eta]), NT - 1)[0]
        return math.exp(float(tx @ self.h_coef[i, j] @ tt))

    def _measure(self, act: BoundActivation) -> dict[str, float]:
        """Relative errors halfway between nodes (module docstring)."""
        errs = {"V": 0.0, "Vd": 0.0, "M": 0.0, "H": 0.0}
        xs = [0.5 * (a + b) + 0.5 * (b - a) * s
              for a, b in zip(self.x_edges[:-1], self.x_edges[1:], strict=True)
              for s in (-0.5, 0.5)]
        qs = np.exp(np.array(xs))
        v = np.asarray(transform("V", act, qs), dtype=float)
        vd = np.asarray(transform("Vd", act, qs), dtype=float)
        mean = np.asarray(mean_transform(act, qs), dtype=float)
        scale_m = max(float(np.max(np.abs(mean))), 1e-300)
        ts = np.array([0.5 * (a + b) + 0.5 * (b - a) * s
                       for a, b in zip(self.t_edges[:-1], self.t_edges[1:], strict=True)
                       for s in (-0.5, 0.5)])
        for k, q in enumerate(qs):
            tv, tvd, tm = self.one_d(float(q))
            errs["V"] = max(errs["V"], abs(tv / v[k] - 1))
            errs["Vd"] = max(errs["Vd"], abs(tvd / vd[k] - 1))
            # M may vanish (odd phi): error relative to its largest value on the domain
            errs["M"] = max(errs["M"], abs(tm - mean[k]) / scale_m)
            if k % 2 == 0 and k % 4 != 0:
                continue  # the 2-D check at every other x point keeps the build short
            h = _normalized_gap(_hermite_coefficients(act, float(q)), float(q), ts)
            got = np.array([self.normalized_gap(float(q), float(t)) for t in ts])
            errs["H"] = max(errs["H"], float(np.max(np.abs(got / h - 1))))
        return errs


@cache
def transform_table(act: BoundActivation) -> TransformTable:
    """The (cached) :class:`TransformTable` of ``act``."""
    return TransformTable(act)
