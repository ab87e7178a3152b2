r"""Mean-field theory of deep fully connected networks at initialization.

Network: :math:`h^{l} = W^{l} \phi(h^{l-1}) + b^{l}`, weights of variance
:math:`\sigma_w^2/N`, biases of variance :math:`\sigma_b^2` (``sigma_w``, ``sigma_b`` are
*standard deviations*). With :math:`V, W` the Gaussian transforms of
:mod:`asymptote.transforms`:

* length map [PLRSG16, eq. (3)]: :math:`q^{l} = \sigma_w^2 V(q^{l-1}) + \sigma_b^2`;
* correlation map at the fixed length [PLRSG16, eq. (5)]:
  :math:`c^{l} = [\sigma_w^2 W(q^*, q^*, c^{l-1} q^*) + \sigma_b^2]/q^*`;
* :math:`\chi_1 = \sigma_w^2 E[\phi'(\sqrt{q^*} z)^2]` [PLRSG16, eq. (7)], the slope of the
  correlation map at :math:`c = 1`; the phase is ordered (:math:`\chi_1 < 1`, :math:`c^* = 1`),
  chaotic (:math:`\chi_1 > 1`, a stable :math:`c^* < 1`) or critical (:math:`\chi_1 = 1`);
* :math:`\chi_c = \sigma_w^2 E[\phi'(u)\phi'(v)]` at :math:`c^*` [SGGS17, eq. (9)] and
  :math:`\chi_q = \sigma_w^2\, dV/dq(q^*)` [SGGS17, eq. (5)];
* depth scales :math:`\xi_q = -1/\ln\chi_q`, :math:`\xi_c = -1/\ln\chi_c` [SGGS17, eq. (6), (9)],
  infinite at criticality;
* the backward gradient ratio :math:`\|\nabla_{h^0}\|^2/\|\nabla_{h^L}\|^2 \approx \chi_1^L`
  [SGGS17, Sec. 4] and the trainable depth :math:`\approx 6\,\xi_c` [SGGS17, Sec. 5];
* the critical line [PLRSG16, Fig. 2; SGGS17, Sec. 3]: on it :math:`\chi_1 = 1` and
  :math:`q = \sigma_w^2 V(q) + \sigma_b^2`, i.e. :math:`\sigma_w^2 = 1/E[\phi'^2](q)` and
  :math:`\sigma_b^2 = q - V(q)/E[\phi'^2](q)`: one equation in :math:`q` for given
  :math:`\sigma_b`.

Every function takes ``dps=None`` (vectorized float64 over broadcast parameter arrays) or
``dps=int`` (mpmath; roots refined from the float solution and certified by a sign-change
bracket narrower than :math:`10^{-\mathrm{dps}}` relative), through one code path per map on
the backends of :mod:`asymptote.backend` (their one guard-digit policy). The length and
correlation maps are not written here: they are the feedforward recurrence derived by
:mod:`asymptote.recurrences.architecture`, composed over one layer
(:meth:`~asymptote.recurrences.Recurrence.pre_activation_step`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import mpmath
import numpy as np
import sympy

from ._precision import check_float64_square, to_float
from ._validate import standard_deviation
from .activations import BoundActivation, as_activation
from .backend import FLOAT64, Backend, backend
from .errors import ConvergenceError
from .numeric.roots import newton_root_mp
from .recurrences.architecture import slope
from .recurrences.bind import Evaluator, evaluator
from .recurrences.catalog import recurrence
from .recurrences.symbols import c as c_sym
from .recurrences.symbols import gap_form, lam, sigma
from .recurrences.symbols import q as q_sym
from .transforms import transform

__all__ = [
    "MeanFieldPoint",
    "length_map",
    "correlation_map",
    "fixed_point_length",
    "fixed_point_correlation",
    "mean_field",
    "critical_point",
    "gradient_norm_ratio",
    "trainable_depth",
]

#: Factor of xi_c up to which networks train, [SGGS17, Sec. 5 and Fig. 5].
TRAINABLE_DEPTH_MULTIPLE = 6


# ---------------------------------------------------------------------------------------
# input handling
# ---------------------------------------------------------------------------------------
def _float_guess_sigma(value: Any, name: str, original: object) -> np.ndarray:
    """A dps-path sigma as the float64 array its starting guess is computed from."""
    check_float64_square(float(value), name, original)
    return np.asarray(float(value))


#: output labels of the derived slopes and of the critical-line quantities
CHI_1, CHI_Q, CHI_C = sympy.symbols("chi_1 chi_q chi_c")
EXCESS, CRITICAL_SIGMA_W = sympy.symbols("excess sigma_w_critical")


@dataclass(frozen=True)
class _Derived:
    """The feedforward maps, their slopes and the critical line, as SymPy expressions."""

    length: sympy.Expr
    correlation: sympy.Expr
    chi_1: sympy.Expr
    chi_q: sympy.Expr
    chi_c: sympy.Expr
    excess: sympy.Expr
    critical_sigma_w: sympy.Expr


@lru_cache(maxsize=1)
def _derived() -> _Derived:
    r"""Derive everything from the feedforward recurrence (activation-independent).

    Length map :math:`q \mapsto \sigma_w^2\mathcal{V}\phi(q) + \sigma_b^2`; correlation map
    at length :math:`q`, :math:`c \mapsto [\sigma_w^2\mathcal{W}\phi(q, c q) +
    \sigma_b^2]/q` (the pre-activation dot-product map divided by :math:`q`). Their slopes by
    :func:`asymptote.recurrences.slope`: :math:`\chi_q = \partial q^{l+1}/\partial q^l`,
    :math:`\chi_c = \partial c^{l+1}/\partial c^l` and :math:`\chi_1` its value at
    :math:`c = 1`. Critical line: :math:`\chi_1 = 1` is linear in :math:`\sigma_w^2`; its
    solution put into the fixed point of the length map leaves
    :math:`\sigma_b^2 = q - L(q)|_{\sigma_w = \sigma_w^{crit}(q), \sigma_b = 0}`, the
    "excess", written without cancellation by
    :func:`~asymptote.recurrences.symbols.gap_form`.
    """
    step = recurrence("feedforward").pre_activation_step()
    length = step[q_sym]
    correlation = step[lam].xreplace({lam: c_sym * q_sym}) / q_sym
    chi_1 = slope(correlation, c_sym, at={c_sym: 1})
    sw, sb = sigma("w"), sigma("b")
    # chi_1 = 1 solved for S = sigma_w^2 (linear: a S + b = 1); no sympy.solve, which
    # differentiates internally and the transforms' derivatives are not all defined
    s2 = sympy.Dummy("S", positive=True)
    linear = sympy.expand(chi_1.subs(sw, sympy.sqrt(s2)))
    a, b0 = linear.coeff(s2), linear.subs(s2, 0)
    if sympy.expand(a * s2 + b0 - linear) != 0 or a.has(s2):
        raise NotImplementedError(f"chi_1 = {chi_1} is not linear in sigma_w^2")
    critical_s2 = (1 - b0) / a
    at_critical = length.subs({sw: sympy.sqrt(critical_s2), sb: 0}, simultaneous=True)
    return _Derived(
        length=length,
        correlation=correlation,
        chi_1=chi_1,
        chi_q=slope(length, q_sym),
        chi_c=slope(correlation, c_sym),
        excess=gap_form(q_sym - at_critical),
        critical_sigma_w=sympy.sqrt(critical_s2),
    )


@lru_cache(maxsize=128)
def _maps(act: BoundActivation, b: Backend) -> dict[str, Evaluator]:
    """The derived maps, slopes and critical line bound to ``act`` on backend ``b``."""
    d = _derived()
    return {
        "length": evaluator([{q_sym: d.length}], act, b),
        "correlation": evaluator([{c_sym: d.correlation}], act, b),
        "chi_q": evaluator([{CHI_Q: d.chi_q}], act, b),
        "length_slopes": evaluator([{CHI_Q: d.chi_q, CHI_1: d.chi_1}], act, b),
        "chi_c": evaluator([{CHI_C: d.chi_c}], act, b),
        "critical": evaluator([{EXCESS: d.excess}], act, b),
        "critical_sigma_w": evaluator([{CRITICAL_SIGMA_W: d.critical_sigma_w}], act, b),
    }


def _length(b: Backend, act: BoundActivation, sw: Any, sb: Any, q: Any) -> Any:
    """One layer of the length map (elementwise over the backend's arrays)."""
    return _maps(act, b)["length"]({q_sym: q, sigma("w"): sw, sigma("b"): sb})[q_sym]


def _correlation(b: Backend, act: BoundActivation, sw: Any, sb: Any, q: Any, c: Any) -> Any:
    """One layer of the correlation map at length ``q``."""
    env = {q_sym: q, c_sym: c, sigma("w"): sw, sigma("b"): sb}
    return _maps(act, b)["correlation"](env)[c_sym]


def _length_slopes(b: Backend, act: BoundActivation, sw: Any, q: Any) -> tuple[Any, Any]:
    r"""Derived :math:`(\chi_q, \chi_1)` at length ``q`` [SGGS17, eq. (5); PLRSG16, eq. (7)]."""
    out = _maps(act, b)["length_slopes"]({q_sym: q, sigma("w"): sw})
    return out[CHI_Q], out[CHI_1]


def _chi_q(b: Backend, act: BoundActivation, sw: Any, q: Any) -> Any:
    r"""Derived :math:`\chi_q = \partial q^{l+1}/\partial q^l` at ``q`` [SGGS17, eq. (5)]."""
    return _maps(act, b)["chi_q"]({q_sym: q, sigma("w"): sw})[CHI_Q]


def _chi_c(b: Backend, act: BoundActivation, sw: Any, q: Any, c: Any) -> Any:
    r"""Derived :math:`\chi_c = \partial c^{l+1}/\partial c^l` at ``c`` [SGGS17, eq. (9)]."""
    return _maps(act, b)["chi_c"]({q_sym: q, c_sym: c, sigma("w"): sw})[CHI_C]


def _excess(b: Backend, act: BoundActivation, q: Any) -> Any:
    r"""The critical line's :math:`\sigma_b^2` as a function of :math:`q` (derived)."""
    return _maps(act, b)["critical"]({q_sym: q})[EXCESS]


def _critical_sigma_w(b: Backend, act: BoundActivation, q: Any) -> Any:
    r"""The :math:`\sigma_w` at which :math:`\chi_1 = 1` at length ``q`` (derived)."""
    return _maps(act, b)["critical_sigma_w"]({q_sym: q})[CRITICAL_SIGMA_W]


def _marginal_tolerance(dps: int | None) -> float | Any:
    """|chi - 1| below which a slope counts as 1 (the phase threshold of :func:`mean_field`)."""
    return 1e-12 if dps is None else mpmath.mpf(10) ** (-(dps - 3))


# ---------------------------------------------------------------------------------------
# maps
# ---------------------------------------------------------------------------------------
def length_map(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    q: Any,
    *,
    dps: int | None = None,
    **params: object,
) -> Any:
    r"""One layer of the length map :math:`\sigma_w^2 V(q) + \sigma_b^2` [PLRSG16, eq. (3)].

    Examples
    --------
    >>> length_map("relu", 1.0, 1.0, 3.0)
    2.5
    """
    act = as_activation(activation, **params)
    b = backend(dps)
    with b.working():
        sw = b.standard_deviation(sigma_w, "sigma_w", grid=True)
        sb = b.standard_deviation(sigma_b, "sigma_b", grid=True)
        value = _length(b, act, sw, sb, b.numbers(q, "q"))
    return b.finish(value)


def correlation_map(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    c: Any,
    *,
    q: Any = None,
    dps: int | None = None,
    **params: object,
) -> Any:
    r"""Correlation map :math:`[\sigma_w^2 W(q, q, c q) + \sigma_b^2]/q` [PLRSG16, eq. (5)].

    ``q`` defaults to the fixed point :math:`q^*` (:func:`fixed_point_length`).

    Examples
    --------
    >>> round(correlation_map("erf", 1.0, 0.0, 1.0), 12)
    1.0
    """
    act = as_activation(activation, **params)
    b = backend(dps)
    with b.working():
        sw = b.standard_deviation(sigma_w, "sigma_w", grid=True)
        sb = b.standard_deviation(sigma_b, "sigma_b", grid=True)
        if q is None:
            qq = fixed_point_length(act, sigma_w, sigma_b, dps=b.inner)
        else:
            qq = b.numbers(q, "q")
        cc = b.numbers(c, "c")
        if np.any(abs(cc) > 1):
            raise ValueError(f"c must be a correlation in [-1, 1], got {c!r}")
        if np.any(qq <= 0):
            raise ValueError("the correlation map needs q > 0 (q* = 0 here: use sigma_b > 0)")
        value = _correlation(b, act, sw, sb, qq, cc)
    return b.finish(value)


# ---------------------------------------------------------------------------------------
# fixed point of the length map
# ---------------------------------------------------------------------------------------
def _phi_vanishes_at_zero(act: BoundActivation) -> bool:
    """Whether phi(0) = 0 (then q = 0 is a fixed point of the length map at sigma_b = 0)."""
    if act.closed_form_valid("V"):
        return float(transform("V", act, 0.0)) == 0.0
    return float(act.phi_np(np.zeros(1))[0]) == 0.0


def _zero_is_attracting(act: BoundActivation, sw: np.ndarray, sb: np.ndarray) -> np.ndarray:
    """q* = 0 exactly when sigma_b = 0, phi(0) = 0 and the derived slope chi_q(0) <= 1."""
    if not _phi_vanishes_at_zero(act) or act.homogeneity_degree == 1.0:
        return np.zeros(np.shape(sw), dtype=bool)
    slope0 = _chi_q(FLOAT64, act, sw, np.zeros(np.shape(sw)))
    return (sb == 0) & (slope0 <= 1.0)


def _linear_gain(b: Backend, act: BoundActivation, sw: Any) -> Any:
    r"""Slope :math:`\chi_q` of the length map of a degree-1 positively homogeneous activation,
    where the map is linear, :math:`q \mapsto \chi_q q + \sigma_b^2` (any :math:`q`: 1)."""
    one = np.ones(np.shape(sw)) if b.vectorized else 1
    return _chi_q(b, act, sw, one)


def _linear_no_fixed_point(
    act: BoundActivation, gain: Any, sb: Any, marginal: bool, count: str
) -> ConvergenceError:
    if marginal:
        growth = "q grows linearly, q^l = q^0 + l sigma_b^2 (critical sigma_w with sigma_b > 0)"
    else:
        growth = "q grows without bound"
    return ConvergenceError(
        f"no finite fixed point q*: for {act!r} the length map is linear with slope "
        f"sigma_w^2 V(1) = {gain!r} >= 1 and sigma_b = {sb!r}, so {growth}{count}"
    )


def _fixed_point_length_np(
    act: BoundActivation, sw: np.ndarray, sb: np.ndarray, q0: float
) -> np.ndarray:
    sw2, sb2 = np.broadcast_arrays(sw**2, sb**2)
    shape = sw2.shape
    sw2, sb2 = sw2.ravel().astype(float), sb2.ravel().astype(float)
    sw_flat, sb_flat = (np.broadcast_to(v, shape).ravel().astype(float) for v in (sw, sb))

    def length(q: np.ndarray) -> np.ndarray:
        return _length(FLOAT64, act, sw_flat, sb_flat, q)  # type: ignore[no-any-return]

    if act.homogeneity_degree == 1.0:
        # linear map q -> gain q + L(0): q* = L(0) / (1 - gain) below the critical sigma_w;
        # at it (|gain - 1| <= 1e-12) every q is fixed when sigma_b = 0 (q0 stays q0)
        gain = _linear_gain(FLOAT64, act, sw_flat)
        marginal = np.abs(gain - 1) <= _marginal_tolerance(None)
        bad = (marginal & (sb2 > 0)) | (~marginal & (gain > 1))
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            count = f" ({int(bad.sum())} of {bad.size} parameter points)"
            raise _linear_no_fixed_point(
                act, float(gain[i]), math.sqrt(sb2[i]), bool(marginal[i]), count
            )
        offset = length(np.zeros(shape).ravel())
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(marginal, q0, offset / (1 - gain))
        return out.reshape(shape)
    zero = _zero_is_attracting(act, sw_flat, sb_flat)
    q = np.full(sw2.shape, float(q0))
    for _ in range(60):
        q = length(q)
        if np.any(q > 1e12):
            break
    # Newton on g(q) = L(q) - q with the derived slope g'(q) = chi_q(q) - 1, kept positive.
    for _ in range(60):
        g = length(q) - q
        dg = _chi_q(FLOAT64, act, sw_flat, q) - 1.0
        step = np.where(np.abs(dg) > 1e-300, g / np.where(dg == 0, 1.0, dg), 0.0)
        q_new = np.where(zero, 0.0, np.maximum(q - step, q / 4))
        if np.all(np.abs(q_new - q) <= 1e-15 * np.abs(q_new)):
            q = q_new
            break
        q = q_new
    q = np.where(zero, 0.0, q)
    residual = np.abs(length(q) - q)
    bad = (residual > 1e-12 * np.maximum(q, 1e-300)) | (q > 1e12)
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        beyond = (
            "; the float64 search stops at q = 1e12: either q grows without bound or q* > 1e12 "
            "(sigma_w or sigma_b too large for the float64 path)"
            if q[i] > 1e12 or not np.isfinite(q[i])
            else ""
        )
        raise ConvergenceError(
            f"no finite fixed point q* found for {act!r} at sigma_w = {math.sqrt(sw2[i])!r}, "
            f"sigma_b = {math.sqrt(sb2[i])!r} ({int(bad.sum())} of {bad.size} points){beyond}",
            iterations=120,
            residual=float(residual[i]),
        )
    return q.reshape(shape)


def fixed_point_length(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    *,
    q0: float = 1.0,
    dps: int | None = None,
    **params: object,
) -> Any:
    r"""Fixed point :math:`q^* = \sigma_w^2 V(q^*) + \sigma_b^2` of the length map [PLRSG16, eq. (4)].

    The fixed point reached by iterating from ``q0`` (Newton-polished with the derived slope
    :math:`\chi_q`); ``q* = 0`` exactly when :math:`\sigma_b = 0`, :math:`\phi(0) = 0` and
    :math:`\chi_q(0) = \sigma_w^2\phi'(0)^2 \le 1`. For degree-1 positively homogeneous
    activations the map is linear, :math:`q \mapsto \chi_q q + \sigma_b^2` with
    :math:`\chi_q = \sigma_w^2 V(1)`, and :math:`q^* = \sigma_b^2/(1 - \chi_q)`; at the
    critical :math:`\chi_q = 1` (He initialization of ReLU) with :math:`\sigma_b = 0` the map
    is the identity and ``q0`` itself is returned (every length is fixed; see
    :func:`mean_field`).

    Raises
    ------
    ConvergenceError
        The length grows without bound (no finite fixed point: :math:`\chi_q > 1`, or
        :math:`\chi_q = 1` with :math:`\sigma_b > 0`) or a root cannot be bracketed.

    Examples
    --------
    >>> fixed_point_length("relu", 1.0, 1.0)
    2.0
    """
    act = as_activation(activation, **params)
    b = backend(dps)
    if b.dps is None:
        sw = standard_deviation(sigma_w, "sigma_w", grid=True)
        sb = standard_deviation(sigma_b, "sigma_b", grid=True)
        return b.finish(_fixed_point_length_np(act, sw, sb, q0))
    dps = b.dps
    with b.working():
        sw = b.standard_deviation(sigma_w, "sigma_w")
        sb = b.standard_deviation(sigma_b, "sigma_b")
        if act.homogeneity_degree == 1.0:
            gain = _linear_gain(b, act, sw)
            marginal = abs(gain - 1) <= _marginal_tolerance(dps)
            if (marginal and sb > 0) or (not marginal and gain > 1):
                raise _linear_no_fixed_point(act, gain, sb, marginal, "")
            if marginal:
                return b.finish(b.number(q0, "q0"))
            return b.finish(_length(b, act, sw, sb, 0) / (1 - gain))
        guess = float(
            _fixed_point_length_np(
                act,
                _float_guess_sigma(sw, "sigma_w", sigma_w),
                _float_guess_sigma(sb, "sigma_b", sigma_b),
                q0,
            )
        )
        if guess == 0.0:
            return mpmath.mpf(0)

        def g(q: Any, digits: int) -> Any:
            return _length(backend(digits), act, sw, sb, q) - q

        def g_slope(q: Any, digits: int) -> Any:
            # derived slope of L(q) - q: chi_q - 1 [SGGS17, eq. (5)]
            return _chi_q(backend(digits), act, sw, q) - 1

        guess_mp = mpmath.mpf(guess)
        root = newton_root_mp(
            g,
            g_slope,
            guess_mp,
            digits=dps,
            tol=guess_mp * mpmath.mpf(10) ** (-(dps + 3)),
            scale=guess_mp,
            lower=mpmath.mpf(0),
            what="fixed point q*",
        )
        return b.finish(root)


# ---------------------------------------------------------------------------------------
# fixed point of the correlation map
# ---------------------------------------------------------------------------------------
def _fixed_point_correlation_np(
    act: BoundActivation, sw: np.ndarray, sb: np.ndarray, q: np.ndarray, chi1: np.ndarray
) -> np.ndarray:
    """Stable c* < 1 where chaotic (1 elsewhere); ``sw, sb`` broadcast to ``q``'s shape."""
    chaotic = chi1 > 1 + 1e-12
    c_star = np.ones(np.shape(q))
    if not np.any(chaotic):
        return c_star
    idx = np.flatnonzero(chaotic)
    s, b, qq = (np.broadcast_to(v, np.shape(q)).ravel()[idx] for v in (sw, sb, q))

    def correlation(c: np.ndarray) -> np.ndarray:
        return _correlation(FLOAT64, act, s, b, qq, c)  # type: ignore[no-any-return]

    # Newton from c = 0 first: C(c) = [sigma_w^2 sum_k a_k^2 c^k + sigma_b^2]/q (Mehler's
    # series, DLMF 18.18.28, a_k the normalized Hermite coefficients of phi(sqrt(q) z)) has
    # nonnegative Taylor coefficients, so h(c) = C(c) - c is convex on [0, 1] with h(0) >= 0
    # and Newton's iterates rise monotonically to the smallest root, the stable c*.
    c = np.zeros(idx.shape)
    for _ in range(40):
        h = correlation(c) - c
        dh = _chi_c(FLOAT64, act, s, qq, c) - 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            c_new = np.clip(c - h / dh, 0.0, 1.0 - 1e-15)
        # quadratic convergence: a step below 1e-13 leaves only float64 rounding
        done = np.all(np.abs(c_new - c) <= 1e-13)
        c = c_new
        if done:
            break
    if np.all(np.abs(correlation(c) - c) <= 1e-12) and np.all(c < 1.0 - 1e-12):
        flat = c_star.ravel()
        flat[idx] = c
        return flat.reshape(np.shape(q))
    # otherwise: plain iteration towards the stable c* (linear, ratio chi_c < 1), then Newton
    c = np.zeros(idx.shape)
    for _ in range(40):
        c = correlation(c)
        c = np.clip(c, -1.0, 1.0 - 1e-15)
    # Newton on h(c) = C(c) - c with the derived slope h'(c) = chi_c(c) - 1
    for _ in range(40):
        h = correlation(c) - c
        dh = _chi_c(FLOAT64, act, s, qq, c) - 1.0
        c_new = np.clip(c - h / dh, -1.0, 1.0 - 1e-15)
        done = np.all(np.abs(c_new - c) <= 1e-15)
        c = c_new
        if done:
            break
    h = correlation(c) - c
    if np.any(np.abs(h) > 1e-12) or np.any(c >= 1.0 - 1e-12):
        raise ConvergenceError(
            f"correlation fixed point c* < 1 not found for {act!r}",
            residual=float(np.max(np.abs(h))),
        )
    flat = c_star.ravel()
    flat[idx] = c
    return flat.reshape(np.shape(q))


@dataclass(frozen=True)
class MeanFieldPoint:
    """Everything the mean-field theory says at one (or an array of) parameter point(s).

    Attributes
    ----------
    q_star, c_star : fixed points of the length and correlation maps
    chi_1 : slope of the correlation map at c = 1 (gradient growth per layer)
    chi_c : slope of the correlation map at c*
    chi_q : slope of the length map at q*
    xi_q, xi_c : depth scales -1/ln(chi_q), -1/ln(chi_c) (``inf`` at criticality)
    phase : ``'ordered'``, ``'chaotic'`` or ``'critical'`` (array of str on the fast path)
    q_star_kind : what ``q_star`` is (array of str on the fast path):

        * ``'point'`` -- an isolated fixed point (``q_star`` a number);
        * ``'line'`` -- the length map is the identity (a degree-1 positively homogeneous
          activation at its critical :math:`\\sigma_w`, :math:`\\sigma_b = 0`, e.g. ReLU
          with He initialization :math:`\\sigma_w = \\sqrt 2`): every :math:`q \\ge 0` is
          fixed, :math:`q^l = q^0`, so ``q_star`` is undetermined: ``None`` (``nan`` in a
          fast-path array); the slopes are exactly 1 and do not depend on :math:`q`;
        * ``'unbounded'`` -- the same activation and :math:`\\sigma_w` with
          :math:`\\sigma_b > 0`: :math:`q^l = q^0 + l\\sigma_b^2` grows linearly, ``q_star``
          is ``inf``; the slopes (all 1) are those of the limit :math:`q \\to \\infty`, where
          :math:`c^{l} \\to 1`.
    """

    q_star: Any
    c_star: Any
    chi_1: Any
    chi_c: Any
    chi_q: Any
    xi_q: Any
    xi_c: Any
    phase: Any
    q_star_kind: Any = "point"

    def as_dict(self) -> dict[str, Any]:
        """The fields by name, for printing: ``q_star_kind`` only where some point is not
        ``'point'`` (so ordinary results keep their keys), and an undetermined scalar
        ``q_star`` (a line of fixed points) as the text ``'any (every q is a fixed point)'``."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        if np.all(np.asarray(self.q_star_kind) == "point"):
            del out["q_star_kind"]
        if out["q_star"] is None:
            out["q_star"] = "any (every q is a fixed point)"
        return out


def _depth_scale_np(chi: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        out = -1.0 / np.log(np.where(chi == 1.0, 0.5, chi))
    out = np.where(np.abs(chi - 1.0) <= 1e-13, np.inf, out)
    return np.where(chi > 1.0 + 1e-13, np.abs(out), out)


def _depth_scale_mp(chi: Any, tol: Any) -> Any:
    if abs(chi - 1) <= tol:
        return mpmath.inf
    return abs(-1 / mpmath.log(chi))


def _length_kind_np(act: BoundActivation, sw: np.ndarray, sb: np.ndarray) -> np.ndarray:
    """``'point'``, ``'line'`` or ``'unbounded'`` per parameter point (see MeanFieldPoint)."""
    kind = np.full(np.shape(sw), "point", dtype="<U9")
    if act.homogeneity_degree == 1.0:
        marginal = np.abs(_linear_gain(FLOAT64, act, sw) - 1) <= _marginal_tolerance(None)
        kind[marginal] = np.where(sb[marginal] > 0, "unbounded", "line")
    return kind


def _mean_field_np(act: BoundActivation, sigma_w: Any, sigma_b: Any) -> MeanFieldPoint:
    sw = standard_deviation(sigma_w, "sigma_w", grid=True)
    sb = standard_deviation(sigma_b, "sigma_b", grid=True)
    scalar = sw.ndim == 0 and sb.ndim == 0
    shape = np.broadcast_shapes(sw.shape, sb.shape)
    sw, sb = (np.broadcast_to(v, shape).astype(float) for v in (sw, sb))
    kind = _length_kind_np(act, sw, sb)
    point = kind == "point"
    # the slopes of a linear length map do not depend on q: evaluate them at q = 1
    q = np.ones(shape)
    if np.any(point):
        q[point] = _fixed_point_length_np(act, sw[point], sb[point], 1.0)
    chiq, chi1 = _length_slopes(FLOAT64, act, sw, q)
    c_star = _fixed_point_correlation_np(act, sw, sb, q, chi1)
    chaotic = c_star < 1.0
    chic = np.array(chi1, dtype=float, copy=True)
    if np.any(chaotic):
        chic[chaotic] = _chi_c(FLOAT64, act, sw[chaotic], q[chaotic], c_star[chaotic])
    phases = np.where(
        np.abs(chi1 - 1) <= _marginal_tolerance(None),
        "critical",
        np.where(chi1 < 1, "ordered", "chaotic"),
    )
    q_out = np.where(kind == "line", np.nan, np.where(kind == "unbounded", np.inf, q))
    values = [q_out, c_star, chi1, chic, chiq, _depth_scale_np(chiq), _depth_scale_np(chic)]
    if scalar:
        q_, c_, x1_, xc_, xq_, xiq_, xic_ = (float(v) for v in values)
        return MeanFieldPoint(
            None if kind == "line" else q_, c_, x1_, xc_, xq_, xiq_, xic_, str(phases), str(kind)
        )
    q_a, c_a, x1_a, xc_a, xq_a, xiq_a, xic_a = values
    return MeanFieldPoint(q_a, c_a, x1_a, xc_a, xq_a, xiq_a, xic_a, phases, kind)


def mean_field(
    activation: object, sigma_w: Any, sigma_b: Any, *, dps: int | None = None, **params: object
) -> MeanFieldPoint:
    r"""Fixed points, slopes, depth scales and phase [PLRSG16; SGGS17].

    Parameters
    ----------
    activation : str or BoundActivation
    sigma_w, sigma_b : float, array_like, str or Fraction
        Standard deviations of weights (times sqrt(fan-in)) and biases; arrays broadcast
        on the fast path (``dps=None``), e.g. a phase-diagram grid.
    dps : int or None

    Notes
    -----
    The slopes are derived from the recurrence (:func:`asymptote.recurrences.slope`):
    :math:`\chi_q = \partial q^{l+1}/\partial q^l = \sigma_w^2\, dV/dq(q^*)` [SGGS17, eq. (5)],
    :math:`\chi_1 = \partial c^{l+1}/\partial c^l|_{c = 1} = \sigma_w^2 E[\phi'^2]`
    [PLRSG16, eq. (7)] and :math:`\chi_c` the same slope at :math:`c^*` [SGGS17, eq. (9)].
    ``phase`` is ``'critical'`` when :math:`|\chi_1 - 1| \le 10^{-12}` (float64) or
    :math:`10^{-(\mathrm{dps}-3)}`. In the chaotic phase :math:`\xi_q` and :math:`\xi_c`
    are the (positive) convergence depths to the fixed points; at criticality they are
    infinite (the fixed point is approached polynomially).

    For a degree-1 positively homogeneous activation (the ReLU family) at its critical
    :math:`\sigma_w` (within the same tolerance) the length map is
    :math:`q \mapsto q + \sigma_b^2`: with :math:`\sigma_b = 0` a line of fixed points
    (``q_star_kind == 'line'``, ``q_star`` undetermined: ``None``), with
    :math:`\sigma_b > 0` linear growth (``'unbounded'``, ``q_star = inf``); in both cases
    :math:`\chi_1 = \chi_q = \chi_c = 1`, :math:`c^* = 1` and the phase is critical
    (see :class:`MeanFieldPoint`).

    Examples
    --------
    >>> point = mean_field("tanh", 0.9, 0.0)
    >>> point.phase, point.q_star, round(point.chi_1, 14)
    ('ordered', 0.0, 0.81)
    >>> mean_field("erf", 2.0, 0.1).phase
    'chaotic'
    >>> he = mean_field("relu", 2**0.5, 0.0)  # He initialization: a line of fixed points
    >>> he.q_star_kind, he.q_star, he.phase, round(he.chi_1, 12)
    ('line', None, 'critical', 1.0)
    """
    act = as_activation(activation, **params)
    if dps is None:
        return _mean_field_np(act, sigma_w, sigma_b)
    b = backend(dps)
    assert b.dps is not None
    dps, inner = b.dps, b.inner
    tol = _marginal_tolerance(dps)
    with b.working():
        sw = b.standard_deviation(sigma_w, "sigma_w")
        sb = b.standard_deviation(sigma_b, "sigma_b")
        kind = "point"
        if act.homogeneity_degree == 1.0 and abs(_linear_gain(b, act, sw) - 1) <= tol:
            kind = "unbounded" if sb > 0 else "line"
        if kind == "point":
            q = fixed_point_length(act, sigma_w, sigma_b, dps=inner)
        else:
            q = mpmath.mpf(1)  # the slopes of a linear length map do not depend on q
        chiq, chi1 = _length_slopes(b, act, sw, q)
        if abs(chi1 - 1) <= tol:
            phase = "critical"
        else:
            phase = "ordered" if chi1 < 1 else "chaotic"
        c_star = mpmath.mpf(1)
        chic = chi1
        if phase == "chaotic":
            qf = float(q)
            guess = float(
                _fixed_point_correlation_np(
                    act,
                    np.asarray(float(sw)),
                    np.asarray(float(sb)),
                    np.asarray(qf),
                    np.asarray(float(chi1)),
                )
            )

            # Every evaluation at the full precision: the 2-D transforms at one q share
            # their expensive part (the Hermite coefficients of phi and phi' at q*, cached
            # by gauss_mehler), which lower rungs would recompute.
            def h(c: Any, digits: int) -> Any:
                return _correlation(b, act, sw, sb, q, c) - c

            def h_slope(c: Any, digits: int) -> Any:
                # derived slope of C(c) - c: chi_c - 1 [SGGS17, eq. (9)]
                return _chi_c(b, act, sw, q, c) - 1

            c_star = newton_root_mp(
                h,
                h_slope,
                mpmath.mpf(guess),
                digits=dps,
                tol=mpmath.mpf(10) ** (-(dps + 3)),
                scale=mpmath.mpf(1),
                lower=mpmath.mpf(-1),
                upper=mpmath.mpf(1) - mpmath.mpf(10) ** (-(dps + 2)),
                what="fixed point c*",
            )
            chic = _chi_c(b, act, sw, q, c_star)
        q_value = {"point": q, "line": None, "unbounded": mpmath.inf}[kind]
        values = [
            q_value,
            c_star,
            chi1,
            chic,
            chiq,
            _depth_scale_mp(chiq, tol),
            _depth_scale_mp(chic, tol),
        ]
        rounded = [v if v is None or not mpmath.isfinite(v) else b.finish(v) for v in values]
    q_r, c_r, x1_r, xc_r, xq_r, xiq_r, xic_r = rounded
    return MeanFieldPoint(q_r, c_r, x1_r, xc_r, xq_r, xiq_r, xic_r, phase, kind)


def fixed_point_correlation(
    activation: object, sigma_w: Any, sigma_b: Any, *, dps: int | None = None, **params: object
) -> Any:
    r"""Stable fixed point :math:`c^*` of the correlation map (1 unless chaotic) [PLRSG16, Sec. 3]."""
    return mean_field(activation, sigma_w, sigma_b, dps=dps, **params).c_star


# ---------------------------------------------------------------------------------------
# critical line
# ---------------------------------------------------------------------------------------
def _critical_homogeneous(act: BoundActivation, dps: int | None) -> None:
    sw = float(_critical_sigma_w(backend(dps), act, 1.0 if dps is None else mpmath.mpf(1)))
    raise ValueError(
        f"{act!r} is positively homogeneous: chi_1 = sigma_w^2 * {1 / sw**2!r} does not "
        f"depend on q, so the critical sigma_w = {sw!r} for every sigma_b, and on it the "
        f"length map has no finite fixed point (q* = inf for sigma_b > 0, every q fixed for "
        f"sigma_b = 0: mean_field describes both)"
    )


def _critical_q_np(act: BoundActivation, sb: np.ndarray) -> np.ndarray:
    """Root of the derived excess(q) = sigma_b^2 (bisection in log q)."""
    sb2 = sb.ravel() ** 2

    def excess(q: np.ndarray) -> np.ndarray:
        return _excess(FLOAT64, act, q) - sb2  # type: ignore[no-any-return]

    # excess(q) = q - V/E[phi'^2] < q, so the root lies above sigma_b^2
    lo = np.maximum(sb2, 1e-300)
    hi = np.maximum(2 * sb2, 1e-6)
    for _ in range(200):
        need = excess(hi) <= 0
        if not np.any(need):
            break
        hi = np.where(need, hi * 2, hi)
        if np.any(hi > 1e16):
            raise ConvergenceError(f"no critical point found for {act!r} (q up to 1e16)")
    # Illinois (modified regula falsi) in x = log q on the bracket [lo, hi], with a
    # bisection step wherever the bracket failed to halve over the last two steps
    a, b = np.log(lo), np.log(hi)
    fa, fb = excess(lo), excess(hi)
    side = np.zeros(a.shape)
    width = b - a
    for step in range(300):
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(fb != fa, b - fb * (b - a) / (fb - fa), (a + b) / 2)
        stalled = (step % 3 == 2) & (b - a > width / 4)
        x = np.where(stalled | ~((x > a) & (x < b)), (a + b) / 2, x)
        if step % 3 == 2:
            width = b - a
        fx = excess(np.exp(x))
        pos = fx > 0
        # Illinois: halve the retained end's value when the same end is kept twice
        fa = np.where(pos & (side == 1), fa / 2, fa)
        fb = np.where(~pos & (side == -1), fb / 2, fb)
        b, fb = np.where(pos, x, b), np.where(pos, fx, fb)
        a, fa = np.where(pos, a, x), np.where(pos, fa, fx)
        side = np.where(pos, 1, -1)
        if np.all((b - a <= 4e-16 * np.maximum(1.0, np.abs(b))) | (fx == 0)):
            break
    return np.where(fx == 0, np.exp(x), np.exp((a + b) / 2)).reshape(sb.shape)


def critical_point(
    activation: object, sigma_b: Any, *, dps: int | None = None, **params: object
) -> tuple[Any, Any]:
    r"""The point of the critical line :math:`\chi_1 = 1` at bias ``sigma_b``.

    Returns ``(sigma_w, q_star)``: :math:`\chi_1 = 1` together with the fixed point of the
    length map, both derived from the recurrence. :math:`\chi_1 = \sigma_w^2 E[\phi'^2]` is
    linear in :math:`\sigma_w^2`, giving :math:`\sigma_w^2 = 1/E[\phi'(\sqrt{q^*}z)^2]`, and
    the fixed point then reads :math:`\sigma_b^2 = q^* - V(q^*)/E[\phi'(\sqrt{q^*}z)^2]`
    [PLRSG16, Fig. 2; SGGS17, Sec. 3]. The right side is evaluated as
    :math:`\mathcal{G}\phi(q)/E[\phi'^2]` with the linearity gap
    :math:`\mathcal{G}\phi(q) = q E[\phi'^2] - V(q) = q E[(\phi'(u) - \phi(u)/u)^2]`
    (:func:`asymptote.recurrences.symbols.gap_form`), which has no cancellation: for hard
    tanh the gap is exponentially small in :math:`1/q` (only :math:`|u| > 1` contributes),
    and :math:`q - V/E[\phi'^2]` would lose all digits at small :math:`\sigma_b`.
    ``sigma_b`` may be an array on the fast path (the whole line at once). At
    :math:`\sigma_b = 0`, :math:`q^* = 0` when :math:`\phi(0) = 0`.

    Raises
    ------
    ValueError
        For degree-1 positively homogeneous activations (ReLU family), where chi_1 does not
        depend on q (the message gives the critical sigma_w; :func:`mean_field` describes
        the marginal length map there).

    Examples
    --------
    >>> sw, q = critical_point("tanh", 0.0)
    >>> round(sw, 12), q
    (1.0, 0.0)
    >>> sw, q = critical_point("hard_tanh", 4.3e-9)  # q - V/E[phi'^2] would cancel here
    >>> round(q, 9)
    0.015615365
    """
    act = as_activation(activation, **params)
    b = backend(dps)
    # validate the input before the (symbolic, slower) homogeneity check
    sb = b.standard_deviation(sigma_b, "sigma_b", grid=True)
    dps = b.dps
    if act.homogeneity_degree == 1.0:
        _critical_homogeneous(act, dps)
    vanishing = _phi_vanishes_at_zero(act)
    if dps is None:
        zero_case = (sb == 0) & vanishing
        q = np.zeros(sb.shape)
        if np.any(~zero_case):
            q = np.where(zero_case, 0.0, _critical_q_np(act, np.where(zero_case, 1.0, sb)))
        sw = _critical_sigma_w(FLOAT64, act, q)
        if sb.ndim == 0:
            return float(sw), float(q)
        return sw, q
    with b.working():
        if sb == 0 and vanishing:
            q = mpmath.mpf(0)
        else:
            guess = mpmath.mpf(
                float(_critical_q_np(act, _float_guess_sigma(sb, "sigma_b", sigma_b)))
            )
            sb2 = sb**2

            def excess(q: Any, digits: int) -> Any:
                return _excess(backend(digits), act, q) - sb2

            # the slope of the excess is no Gaussian transform (d Gphi/dq is not derived):
            # secant slopes from the iterates
            q = newton_root_mp(
                excess,
                None,
                guess,
                digits=dps,
                tol=guess * mpmath.mpf(10) ** (-(dps + 3)),
                scale=guess,
                lower=mpmath.mpf(0),
                what="critical q*",
            )
        sw = _critical_sigma_w(b, act, q)
        return b.finish(sw), b.finish(q)


# ---------------------------------------------------------------------------------------
# gradients and trainability
# ---------------------------------------------------------------------------------------
def gradient_norm_ratio(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    *,
    depth: int,
    log: bool = False,
    dps: int | None = None,
    **params: object,
) -> Any:
    r"""Mean-field backward gradient ratio :math:`\|\nabla_{h^0} E\|^2/\|\nabla_{h^L} E\|^2 = \chi_1^L`
    over ``depth`` layers [SGGS17, Sec. 4, eq. (14)].

    With ``log=True`` returns :math:`L \ln\chi_1` (never overflows); otherwise raises
    ``OverflowError`` naming the depth if the float64 ratio would overflow.

    Examples
    --------
    >>> gradient_norm_ratio("relu", 1.0, 0.0, depth=10)
    0.0009765625
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise ValueError(f"depth must be an int >= 0, got {depth!r}")
    point = mean_field(activation, sigma_w, sigma_b, dps=dps, **params)
    if dps is None:
        log_ratio = depth * np.log(point.chi_1)
        if log:
            return log_ratio
        if np.any(log_ratio > 709.0):
            raise OverflowError(
                f"chi_1^depth overflows float64 at depth = {depth}; use log=True or dps"
            )
        return np.exp(log_ratio) if np.ndim(log_ratio) else float(math.exp(log_ratio))
    b = backend(dps)
    with b.working():
        value = depth * mpmath.log(point.chi_1) if log else point.chi_1**depth
        return b.finish(value)


def trainable_depth(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    *,
    multiple: float = TRAINABLE_DEPTH_MULTIPLE,
    dps: int | None = None,
    **params: object,
) -> Any:
    r"""Depth up to which signal propagation allows training, ``multiple`` :math:`\times\,\xi_c`
    (6 by default, the empirical factor of [SGGS17, Sec. 5, Fig. 5]); ``inf`` at criticality."""
    multiple = to_float(multiple, "multiple")
    if multiple <= 0:
        raise ValueError(f"multiple must be > 0, got {multiple!r}")
    xi = mean_field(activation, sigma_w, sigma_b, dps=dps, **params).xi_c
    return xi * multiple
