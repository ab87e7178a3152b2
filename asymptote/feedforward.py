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

from ._precision import check_float64_square, to_float
from ._validate import standard_deviation
from .activations import BoundActivation, as_activation
from .backend import FLOAT64, Backend, backend
from .errors import ConvergenceError
from .numeric.roots import refine_root_mp
from .recurrences.bind import Evaluator, evaluator
from .recurrences.catalog import recurrence
from .recurrences.symbols import c as c_sym
from .recurrences.symbols import lam, sigma
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


@lru_cache(maxsize=128)
def _maps(act: BoundActivation, b: Backend) -> tuple[Evaluator, Evaluator]:
    r"""The derived length map and correlation map of the feedforward network, bound.

    Length: :math:`q \mapsto \sigma_w^2\mathcal{V}\phi(q) + \sigma_b^2`; correlation at
    length :math:`q`: :math:`c \mapsto [\sigma_w^2\mathcal{W}\phi(q, c q) + \sigma_b^2]/q`
    (the pre-activation dot-product map divided by :math:`q`).
    """
    step = recurrence("feedforward").pre_activation_step()
    correlation = step[lam].xreplace({lam: c_sym * q_sym}) / q_sym
    return (
        evaluator([{q_sym: step[q_sym]}], act, b),
        evaluator([{c_sym: correlation}], act, b),
    )


def _length(b: Backend, act: BoundActivation, sw: Any, sb: Any, q: Any) -> Any:
    """One layer of the length map (elementwise over the backend's arrays)."""
    return _maps(act, b)[0]({q_sym: q, sigma("w"): sw, sigma("b"): sb})[q_sym]


def _correlation(b: Backend, act: BoundActivation, sw: Any, sb: Any, q: Any, c: Any) -> Any:
    """One layer of the correlation map at length ``q``."""
    return _maps(act, b)[1]({q_sym: q, c_sym: c, sigma("w"): sw, sigma("b"): sb})[c_sym]


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
def _zero_is_attracting(act: BoundActivation, sw2: np.ndarray, sb: np.ndarray) -> np.ndarray:
    """q* = 0 exactly when sigma_b = 0, phi(0) = 0 and sigma_w^2 phi'(0)^2 <= 1."""
    if act.closed_form_valid("V"):
        v0 = float(transform("V", act, 0.0))
    else:
        v0 = float(act.phi_np(np.zeros(1))[0] ** 2)
    if v0 != 0.0:
        return np.zeros(np.shape(sw2), dtype=bool)
    slope0 = float(transform("dV", act, 0.0)) if act.homogeneity_degree != 1.0 else None
    if slope0 is None:
        return np.zeros(np.shape(sw2), dtype=bool)
    return (sb == 0) & (sw2 * slope0 <= 1.0)


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
        # V(q) = V(1) q: q* = sb^2 / (1 - sw^2 V(1)), finite only when sw^2 V(1) < 1.
        v1 = float(transform("V", act, 1.0))
        gain = sw2 * v1
        bad = (gain >= 1) & ((sb2 > 0) | (gain > 1))
        if np.any(bad):
            raise ConvergenceError(
                f"no finite fixed point q*: for {act!r} the length map is linear with slope "
                f"sigma_w^2 V(1) = {gain[bad][0]!r} >= 1, so q grows without bound "
                f"({int(bad.sum())} of {bad.size} parameter points)"
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(gain < 1, sb2 / (1 - gain), q0)
        return out.reshape(shape)
    zero = _zero_is_attracting(act, sw2, np.sqrt(sb2))
    q = np.full(sw2.shape, float(q0))
    for _ in range(60):
        q = length(q)
        if np.any(q > 1e12):
            break
    # Newton on g(q) = sw^2 V(q) + sb^2 - q, kept positive.
    for _ in range(60):
        g = length(q) - q
        dg = sw2 * transform("dV", act, q) - 1.0
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

    The fixed point reached by iterating from ``q0`` (Newton-polished); ``q* = 0`` exactly
    when :math:`\sigma_b = 0`, :math:`\phi(0) = 0` and :math:`\sigma_w^2\phi'(0)^2 \le 1`.
    For positively homogeneous activations the map is linear and
    :math:`q^* = \sigma_b^2/(1 - \sigma_w^2 V(1))`.

    Raises
    ------
    ConvergenceError
        The length grows without bound (no finite fixed point) or a root cannot be bracketed.

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
        if act.homogeneity_degree == 1.0:
            value = sb**2 / (1 - sw**2 * transform("V", act, 1, dps=b.inner))
            return b.finish(value)

        def g(q: Any) -> Any:
            return _length(b, act, sw, sb, q) - q

        guess_mp = mpmath.mpf(guess)
        root = refine_root_mp(
            g,
            guess_mp,
            tol=guess_mp * mpmath.mpf(10) ** (-(dps + 3)),
            first_step=guess_mp * mpmath.mpf("1e-10"),
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

    c = np.zeros(idx.shape)
    for _ in range(40):
        c = correlation(c)
        c = np.clip(c, -1.0, 1.0 - 1e-15)
    for _ in range(40):
        h = correlation(c) - c
        dh = s**2 * transform("Wd", act, qq, qq, c * qq) - 1.0
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
    """

    q_star: Any
    c_star: Any
    chi_1: Any
    chi_c: Any
    chi_q: Any
    xi_q: Any
    xi_c: Any
    phase: Any

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _depth_scale_np(chi: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        out = -1.0 / np.log(np.where(chi == 1.0, 0.5, chi))
    out = np.where(np.abs(chi - 1.0) <= 1e-13, np.inf, out)
    return np.where(chi > 1.0 + 1e-13, np.abs(out), out)


def _depth_scale_mp(chi: Any, tol: Any) -> Any:
    if abs(chi - 1) <= tol:
        return mpmath.inf
    return abs(-1 / mpmath.log(chi))


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
    ``phase`` is ``'critical'`` when :math:`|\chi_1 - 1| \le 10^{-12}` (float64) or
    :math:`10^{-(\mathrm{dps}-3)}`. In the chaotic phase :math:`\xi_q` and :math:`\xi_c`
    are the (positive) convergence depths to the fixed points; at criticality they are
    infinite (the fixed point is approached polynomially).

    Examples
    --------
    >>> point = mean_field("tanh", 0.9, 0.0)
    >>> point.phase, point.q_star, round(point.chi_1, 14)
    ('ordered', 0.0, 0.81)
    >>> mean_field("erf", 2.0, 0.1).phase
    'chaotic'
    """
    act = as_activation(activation, **params)
    if dps is None:
        sw = standard_deviation(sigma_w, "sigma_w", grid=True)
        sb = standard_deviation(sigma_b, "sigma_b", grid=True)
        scalar = sw.ndim == 0 and sb.ndim == 0
        sw2, sb2 = np.broadcast_arrays(sw**2, sb**2)
        q = _fixed_point_length_np(act, sw, sb, 1.0)
        chi1 = sw2 * transform("Vd", act, q)
        chiq = sw2 * transform("dV", act, q)
        c_star = _fixed_point_correlation_np(act, sw, sb, q, chi1)
        chaotic = c_star < 1.0
        chic = np.array(chi1, dtype=float, copy=True)
        if np.any(chaotic):
            qq = q[chaotic]
            chic[chaotic] = sw2[chaotic] * transform("Wd", act, qq, qq, c_star[chaotic] * qq)
        phases = np.where(
            np.abs(chi1 - 1) <= 1e-12, "critical", np.where(chi1 < 1, "ordered", "chaotic")
        )
        values = [q, c_star, chi1, chic, chiq, _depth_scale_np(chiq), _depth_scale_np(chic)]
        if scalar:
            q_, c_, x1_, xc_, xq_, xiq_, xic_ = (float(v) for v in values)
            return MeanFieldPoint(q_, c_, x1_, xc_, xq_, xiq_, xic_, str(phases))
        return MeanFieldPoint(q, c_star, chi1, chic, chiq, values[5], values[6], phases)
    b = backend(dps)
    assert b.dps is not None
    dps, inner = b.dps, b.inner
    with b.working():
        sw = b.standard_deviation(sigma_w, "sigma_w")
        sb = b.standard_deviation(sigma_b, "sigma_b")
        sw2 = sw**2
        q = fixed_point_length(act, sigma_w, sigma_b, dps=inner)
        chi1 = sw2 * transform("Vd", act, q, dps=inner)
        chiq = sw2 * transform("dV", act, q, dps=inner)
        tol = mpmath.mpf(10) ** (-(dps - 3))
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

            def h(c: Any) -> Any:
                return _correlation(b, act, sw, sb, q, c) - c

            c_star = refine_root_mp(
                h,
                mpmath.mpf(guess),
                tol=mpmath.mpf(10) ** (-(dps + 3)),
                first_step=mpmath.mpf("1e-10"),
                lower=mpmath.mpf(-1),
                upper=mpmath.mpf(1) - mpmath.mpf(10) ** (-(dps + 2)),
                what="fixed point c*",
            )
            chic = sw2 * transform("Wd", act, q, q, c_star * q, dps=inner)
        values = [
            q,
            c_star,
            chi1,
            chic,
            chiq,
            _depth_scale_mp(chiq, tol),
            _depth_scale_mp(chic, tol),
        ]
        rounded = [v if not mpmath.isfinite(v) else b.finish(v) for v in values]
    q_r, c_r, x1_r, xc_r, xq_r, xiq_r, xic_r = rounded
    return MeanFieldPoint(q_r, c_r, x1_r, xc_r, xq_r, xiq_r, xic_r, phase)


def fixed_point_correlation(
    activation: object, sigma_w: Any, sigma_b: Any, *, dps: int | None = None, **params: object
) -> Any:
    r"""Stable fixed point :math:`c^*` of the correlation map (1 unless chaotic) [PLRSG16, Sec. 3]."""
    return mean_field(activation, sigma_w, sigma_b, dps=dps, **params).c_star


# ---------------------------------------------------------------------------------------
# critical line
# ---------------------------------------------------------------------------------------
def _critical_homogeneous(act: BoundActivation, dps: int | None) -> None:
    vd = transform("Vd", act, 1.0) if dps is None else transform("Vd", act, 1, dps=dps)
    raise ValueError(
        f"{act!r} is positively homogeneous: chi_1 = sigma_w^2 * {float(vd)!r} does not "
        f"depend on q, so the critical sigma_w = {1 / math.sqrt(float(vd))!r} for every "
        f"sigma_b, and on it the length map has no finite fixed point (q* = inf for "
        f"sigma_b > 0, undetermined for sigma_b = 0)"
    )


def _critical_q_np(act: BoundActivation, sb: np.ndarray) -> np.ndarray:
    sb2 = sb.ravel() ** 2

    def excess(q: np.ndarray) -> np.ndarray:
        return q - transform("V", act, q) / transform("Vd", act, q) - sb2

    lo = np.maximum(sb2, 1e-300)
    hi = np.maximum(2 * sb2, 1e-6)
    for _ in range(200):
        need = excess(hi) <= 0
        if not np.any(need):
            break
        hi = np.where(need, hi * 2, hi)
        if np.any(hi > 1e16):
            raise ConvergenceError(f"no critical point found for {act!r} (q up to 1e16)")
    for _ in range(200):  # bisection in log q to full float precision
        mid = np.sqrt(lo * hi)
        pos = excess(mid) > 0
        hi = np.where(pos, mid, hi)
        lo = np.where(pos, lo, mid)
        if np.all(hi - lo <= 2e-16 * hi):
            break
    return ((lo + hi) / 2).reshape(sb.shape)


def critical_point(
    activation: object, sigma_b: Any, *, dps: int | None = None, **params: object
) -> tuple[Any, Any]:
    r"""The point of the critical line :math:`\chi_1 = 1` at bias ``sigma_b``.

    Returns ``(sigma_w, q_star)`` with :math:`\sigma_w^2 = 1/E[\phi'(\sqrt{q^*}z)^2]` and
    :math:`\sigma_b^2 = q^* - V(q^*)/E[\phi'(\sqrt{q^*}z)^2]` [PLRSG16, Fig. 2; SGGS17, Sec. 3].
    ``sigma_b`` may be an array on the fast path (the whole line at once).

    Raises
    ------
    ValueError
        For positively homogeneous activations (ReLU family), where chi_1 does not depend on
        q (the message gives the critical sigma_w).

    Examples
    --------
    >>> sw, q = critical_point("tanh", 0.0)
    >>> round(sw, 12), q
    (1.0, 0.0)
    """
    act = as_activation(activation, **params)
    b = backend(dps)
    # validate the input before the (symbolic, slower) homogeneity check
    sb = b.standard_deviation(sigma_b, "sigma_b", grid=True)
    dps = b.dps
    if act.homogeneity_degree == 1.0:
        _critical_homogeneous(act, dps)
    if dps is None:
        zero_case = sb == 0
        q = np.zeros(sb.shape)
        if np.any(~zero_case):
            q = np.where(zero_case, 0.0, _critical_q_np(act, np.where(zero_case, 1.0, sb)))
        sw = 1 / np.sqrt(transform("Vd", act, q))
        if sb.ndim == 0:
            return float(sw), float(q)
        return sw, q
    inner = b.inner
    with b.working():
        if sb == 0:
            q = mpmath.mpf(0)
        else:
            guess = mpmath.mpf(
                float(_critical_q_np(act, _float_guess_sigma(sb, "sigma_b", sigma_b)))
            )
            sb2 = sb**2

            def excess(q: Any) -> Any:
                return (
                    q - transform("V", act, q, dps=inner) / transform("Vd", act, q, dps=inner) - sb2
                )

            q = refine_root_mp(
                excess,
                guess,
                tol=guess * mpmath.mpf(10) ** (-(dps + 3)),
                first_step=guess * mpmath.mpf("1e-10"),
                lower=mpmath.mpf(0),
                what="critical q*",
            )
        sw = 1 / mpmath.sqrt(transform("Vd", act, q, dps=inner))
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
