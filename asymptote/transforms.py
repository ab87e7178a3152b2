r"""The Gaussian transforms of an activation, one API for both precisions.

For :math:`z \sim N(0,1)` and a centred Gaussian pair :math:`(u, v)` with
:math:`\mathrm{Var}\,u = q_1`, :math:`\mathrm{Var}\,v = q_2`, :math:`\mathrm{Cov}(u,v) = q_{12}`:

=====================================  =====================================================
:func:`second_moment`                  :math:`V(q) = E[\phi(\sqrt{q} z)^2]`
:func:`cross_moment`                   :math:`W(q_1, q_2, q_{12}) = E[\phi(u)\phi(v)]`
:func:`derivative_second_moment`       :math:`E[\phi'(\sqrt{q} z)^2]`
:func:`derivative_cross_moment`        :math:`E[\phi'(u)\phi'(v)] = \partial W/\partial q_{12}` [P58]
:func:`second_moment_slope`            :math:`dV/dq = E[\phi'^2 + \phi\phi''] = E[u\,\phi(u)\phi'(u)]/q`
=====================================  =====================================================

(the last identity is Gaussian integration by parts, valid for Lipschitz ``phi``).
These are the :math:`\mathcal{V}\phi` / :math:`\mathcal{W}\phi` transforms of [YS17, Sec. 2]
and the maps behind the length and correlation recursions of [PLRSG16, eq. (3), (5)].

``dps=None`` (default): vectorized numpy float64 over broadcast arrays; closed forms where
valid, otherwise the graded Gauss-Legendre quadrature of
:mod:`asymptote.numeric.gaussian_np` (1-D transforms of parameter-free activations go
through a cached Chebyshev table in :math:`\log q`).
``dps=int``: mpmath at that many significant digits (scalars), closed forms or tanh-sinh
quadrature split at kinks (:mod:`asymptote.numeric.gaussian_mp`), inside a local precision
context with guard digits; the global ``mpmath.mp`` is never touched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, overload

import mpmath
import numpy as np

from ._floats import geometric_mean
from ._precision import check_dps, round_mpf, to_mpf, workdps
from ._types import FloatOrArray
from ._validate import real_array
from .activations import BoundActivation, as_activation

__all__ = [
    "second_moment",
    "cross_moment",
    "derivative_second_moment",
    "derivative_cross_moment",
    "second_moment_slope",
    "transform",
]

_ONE_D = ("V", "Vd", "dV")
_TABLE_CACHE: dict[tuple[BoundActivation, str], Any] = {}


def _check_variance_np(arr: np.ndarray, name: str) -> None:
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0 (a variance), got min {arr.min()!r}")


def _check_covariance_np(q1: np.ndarray, q2: np.ndarray, q12: np.ndarray) -> np.ndarray:
    bound = geometric_mean(q1, q2)
    magnitude = np.abs(q12)
    if np.any(magnitude > bound * (1 + 4e-15)):
        raise ValueError("q12 must satisfy |q12| <= sqrt(q1 * q2) (a covariance)")
    return np.where(magnitude > bound, np.copysign(bound, q12), q12)


def _integrand_1d(act: BoundActivation, key: str, backend: str) -> Callable[..., Any]:
    phi = act.phi_np if backend == "numpy" else act.phi_mp
    dphi = act.dphi_np if backend == "numpy" else act.dphi_mp
    if key == "V":
        return lambda u: phi(u) ** 2
    if key == "Vd":
        return lambda u: dphi(u) ** 2
    if key == "dV":
        return lambda u: u * phi(u) * dphi(u)
    raise AssertionError(key)


def _slope_at_zero_mp(act: BoundActivation) -> Any:
    import sympy

    from .activations._base import X

    expr = (act.spec.dphi**2 + act.spec.phi * act.spec.d2phi).subs(act.sympy_subs)
    value = sympy.limit(expr, X, 0)
    if not value.is_finite:
        raise ValueError(f"dV/dq at q = 0 is not finite for {act!r}")
    return mpmath.mpf(sympy.N(value, mpmath.mp.dps + 5))


def _mp_transform(act: BoundActivation, key: str, args: list[Any]) -> Any:
    closed = act.closed_form_evaluator(key, "mpmath")
    if closed is not None:
        return closed(*args)
    if key in _ONE_D:
        (q,) = args
        if key == "dV" and q == 0:
            return _slope_at_zero_mp(act)
        from .numeric.gaussian_mp import expect_1d_mp

        value = expect_1d_mp(
            _integrand_1d(act, key, "mpmath"),
            q,
            kinks=act.kinks,
            analytic_halfwidth=act.spec.singularity_distance,
        )
        return value / q if key == "dV" else value
    from .numeric.gaussian_mp import expect_2d_mp

    f = act.phi_mp if key == "W" else act.dphi_mp
    return expect_2d_mp(
        f,
        f,
        *args,
        kinks_f=act.kinks,
        kinks_g=act.kinks,
        analytic_halfwidth=act.spec.singularity_distance,
    )


def _np_quadrature_1d(act: BoundActivation, key: str, q: np.ndarray) -> np.ndarray:
    from .numeric import gaussian_np

    if key == "dV" and not act.kinks:
        # smooth phi: dV/dq = E[phi'^2 + phi phi''] [SGGS17, eq. (5)] has no cancellation;
        # the Stein form E[u phi phi']/q cancels ~sqrt(q)/q for small q when phi(0) != 0
        # (sigmoid), so use it only for large q, where phi'' may overflow in float64.
        small = q < 1.0
        out = np.empty(np.shape(q))
        if np.any(small):
            d2 = act.d2phi_np
            phi, dphi = act.phi_np, act.dphi_np
            out[small] = gaussian_np.expect_1d(
                lambda u: dphi(u) ** 2 + phi(u) * d2(u),
                q[small],
                singularity_distance=act.spec.singularity_distance,
            )
        if np.any(~small):
            out[~small] = _np_quadrature_1d_stein(act, q[~small])
        return out
    if key == "dV":
        return _np_quadrature_1d_stein(act, q)
    f = _integrand_1d(act, key, "numpy")
    return gaussian_np.expect_1d(
        f, q, kinks=act.kinks, singularity_distance=act.spec.singularity_distance
    )


def _np_quadrature_1d_stein(act: BoundActivation, q: np.ndarray) -> np.ndarray:
    """dV/dq = E[u phi(u) phi'(u)] / q (Gaussian integration by parts; kinks allowed)."""
    from .numeric import gaussian_np

    q = np.asarray(q, dtype=float)
    direct = gaussian_np.expect_1d(
        _integrand_1d(act, "dV", "numpy"),
        q,
        kinks=act.kinks,
        singularity_distance=act.spec.singularity_distance,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(q > 0, direct / np.where(q > 0, q, 1.0), 0.0)
    if np.any(q == 0):
        with workdps(20):
            out = np.where(q == 0, float(_slope_at_zero_mp(act)), out)
    return out


def _np_transform(act: BoundActivation, key: str, args: list[np.ndarray]) -> np.ndarray:
    closed = act.closed_form_evaluator(key, "numpy")
    if closed is not None:
        return np.asarray(closed(*args), dtype=float)
    if key in _ONE_D:
        (q,) = args
        if not act.params:
            table = _TABLE_CACHE.get((act, key))
            if table is None:
                from .numeric.gaussian_np import LogChebyshevTable

                table = LogChebyshevTable(lambda qq: _np_quadrature_1d(act, key, qq))
                _TABLE_CACHE[(act, key)] = table
            return np.asarray(table(q), dtype=float)
        return _np_quadrature_1d(act, key, q)
    from .numeric import gaussian_np

    f = act.phi_np if key == "W" else act.dphi_np
    return gaussian_np.expect_2d(
        f,
        f,
        *args,
        kinks_f=act.kinks,
        kinks_g=act.kinks,
        singularity_distance=act.spec.singularity_distance,
    )


@overload
def transform(
    key: str, activation: object, *args: float, dps: None = None, **params: object
) -> float: ...
@overload
def transform(
    key: str, activation: object, *args: object, dps: None = None, **params: object
) -> FloatOrArray: ...
@overload
def transform(
    key: str, activation: object, *args: object, dps: int, **params: object
) -> mpmath.mpf: ...
def transform(
    key: str, activation: object, *args: object, dps: int | None = None, **params: object
) -> FloatOrArray | mpmath.mpf:
    """Evaluate Gaussian transform ``key`` (one of ``V, W, Vd, Wd, dV``); see module doc.

    Parameters
    ----------
    key : {'V', 'W', 'Vd', 'Wd', 'dV'}
        The transform (module docstring table).
    activation : str or BoundActivation
        Registry name (with ``params``) or :func:`asymptote.activation` result.
    *args : float, array_like, str or Fraction
        ``q`` for ``V, Vd, dV``; ``q1, q2, q12`` for ``W, Wd``.
    dps : int or None, default None
        ``None``: numpy float64 (vectorized); int: mpmath with that many digits.

    Returns
    -------
    float, ndarray or mpf
        ``float`` when every argument is a scalar and ``dps=None``, a float64 array when one
        is an array, an ``mpf`` rounded to ``dps`` digits otherwise.

    Raises
    ------
    ValueError
        Negative variance, covariance beyond ``sqrt(q1 q2)``, non-finite input, or a
        transform that diverges for this activation (e.g. ``Vd`` of the step).
    TypeError
        Non-numeric input or unknown activation parameter.
    """
    act = as_activation(activation, **params)
    names = ("q",) if key in _ONE_D else ("q1", "q2", "q12")
    if len(args) != len(names):
        raise TypeError(f"transform {key} takes {len(names)} arguments {names}")
    reason = act.undefined_reason(key)
    if reason is not None:
        raise ValueError(f"{reason} ({act!r})")
    if dps is None:
        arrays = [real_array(a, n) for a, n in zip(args, names, strict=True)]
        arrays_in = list(arrays)
        for arr, n in zip(arrays, names, strict=True):
            if n != "q12":
                _check_variance_np(arr, n)
        if key in ("W", "Wd"):
            arrays = list(np.broadcast_arrays(*arrays))
            arrays[2] = _check_covariance_np(*arrays)
        out = _np_transform(act, key, arrays)
        if not np.all(np.isfinite(out)):
            raise ValueError(f"transform {key} of {act!r} is not finite at these arguments")
        if all(np.ndim(a) == 0 for a in arrays_in):
            return float(out)
        return out
    dps = check_dps(dps)
    with workdps(dps):
        values = [to_mpf(a, n) for a, n in zip(args, names, strict=True)]
        for v, n in zip(values, names, strict=True):
            if n != "q12" and v < 0:
                raise ValueError(f"{n} must be >= 0 (a variance), got {args[names.index(n)]!r}")
        if key in ("W", "Wd"):
            bound = mpmath.sqrt(values[0] * values[1])
            # excess within float64 rounding (a q12 = sqrt(q1 q2) computed in float) is clipped
            if abs(values[2]) > bound * (1 + mpmath.mpf("4e-15")):
                raise ValueError(
                    f"q12 must satisfy |q12| <= sqrt(q1 * q2) (a covariance), got {args[2]!r}"
                )
            values[2] = max(min(values[2], bound), -bound)
        try:
            result = _mp_transform(act, key, values)
        except ZeroDivisionError:  # a closed form with a negative power of a zero variance
            raise ValueError(
                f"transform {key} of {act!r} is not finite at these arguments (it divides by "
                f"zero: a variance of 0 is outside its domain)"
            ) from None
        if not mpmath.isfinite(result):
            raise ValueError(f"transform {key} of {act!r} is not finite at these arguments")
    return round_mpf(result, dps)


@overload
def second_moment(activation: object, q: float, *, dps: None = ..., **params: object) -> float: ...
@overload
def second_moment(
    activation: object, q: object, *, dps: None = ..., **params: object
) -> FloatOrArray: ...
@overload
def second_moment(activation: object, q: object, *, dps: int, **params: object) -> mpmath.mpf: ...
def second_moment(
    activation: object, q: object, *, dps: int | None = None, **params: object
) -> FloatOrArray | mpmath.mpf:
    r"""Second moment :math:`V(q) = E[\phi(\sqrt{q} z)^2]` [YS17, Sec. 2; PLRSG16, eq. (3)].

    Parameters
    ----------
    activation : str or BoundActivation
        Registry name (with ``params``) or :func:`asymptote.activation` result.
    q : float, array_like, str or Fraction
        Variance, ``q >= 0``.
    dps : int or None, default None
        ``None``: numpy float64 (vectorized); int: mpmath with that many digits.

    Returns
    -------
    float, ndarray or mpf
        ``float`` for a scalar ``q`` (``dps=None``), a float64 array for an array ``q``, an
        ``mpf`` for ``dps=int``.

    Examples
    --------
    >>> second_moment("relu", 2.0)
    1.0
    >>> import mpmath
    >>> mpmath.nstr(second_moment("erf", "0.5", dps=20), 18)  # (2/pi) arcsin(1/2) = 1/3 [W97]
    '0.333333333333333333'
    """
    return transform("V", activation, q, dps=dps, **params)


@overload
def cross_moment(
    activation: object, q1: float, q2: float, q12: float, *, dps: None = ..., **params: object
) -> float: ...
@overload
def cross_moment(
    activation: object, q1: object, q2: object, q12: object, *, dps: None = ..., **params: object
) -> FloatOrArray: ...
@overload
def cross_moment(
    activation: object, q1: object, q2: object, q12: object, *, dps: int, **params: object
) -> mpmath.mpf: ...
def cross_moment(
    activation: object,
    q1: object,
    q2: object,
    q12: object,
    *,
    dps: int | None = None,
    **params: object,
) -> FloatOrArray | mpmath.mpf:
    r"""Cross moment :math:`W(q_1,q_2,q_{12}) = E[\phi(u)\phi(v)]` [YS17, Sec. 2; PLRSG16, eq. (5)].

    ``(u, v)`` is centred Gaussian with variances ``q1, q2`` and covariance ``q12``
    (``|q12| <= sqrt(q1 q2)``). At ``|c| = 1`` the degenerate pair is integrated exactly.

    Parameters
    ----------
    activation : str or BoundActivation
        Registry name (with ``params``) or :func:`asymptote.activation` result.
    q1, q2 : float, array_like, str or Fraction
        Variances, ``>= 0`` (arrays broadcast).
    q12 : float, array_like, str or Fraction
        Covariance, ``|q12| <= sqrt(q1 q2)``.
    dps : int or None, default None
        ``None``: numpy float64 (vectorized); int: mpmath with that many digits.

    Returns
    -------
    float, ndarray or mpf
        ``float`` for scalar arguments (``dps=None``), a float64 array when one is an array,
        an ``mpf`` for ``dps=int``.

    Examples
    --------
    >>> round(cross_moment("linear", 1.0, 4.0, 1.5), 12)
    1.5
    """
    return transform("W", activation, q1, q2, q12, dps=dps, **params)


@overload
def derivative_second_moment(
    activation: object, q: float, *, dps: None = ..., **params: object
) -> float: ...
@overload
def derivative_second_moment(
    activation: object, q: object, *, dps: None = ..., **params: object
) -> FloatOrArray: ...
@overload
def derivative_second_moment(
    activation: object, q: object, *, dps: int, **params: object
) -> mpmath.mpf: ...
def derivative_second_moment(
    activation: object, q: object, *, dps: int | None = None, **params: object
) -> FloatOrArray | mpmath.mpf:
    r""":math:`E[\phi'(\sqrt{q} z)^2]`, so that :math:`\chi_1 = \sigma_w^2 E[\phi'^2]` [PLRSG16, eq. (7)].

    Parameters
    ----------
    activation : str or BoundActivation
        Registry name (with ``params``) or :func:`asymptote.activation` result.
    q : float, array_like, str or Fraction
        Variance, ``q >= 0``.
    dps : int or None, default None
        ``None``: numpy float64 (vectorized); int: mpmath with that many digits.

    Returns
    -------
    float, ndarray or mpf
        ``float`` for a scalar ``q`` (``dps=None``), a float64 array for an array ``q``, an
        ``mpf`` for ``dps=int``.

    Examples
    --------
    >>> derivative_second_moment("relu", 3.0)
    0.5
    """
    return transform("Vd", activation, q, dps=dps, **params)


@overload
def derivative_cross_moment(
    activation: object, q1: float, q2: float, q12: float, *, dps: None = ..., **params: object
) -> float: ...
@overload
def derivative_cross_moment(
    activation: object, q1: object, q2: object, q12: object, *, dps: None = ..., **params: object
) -> FloatOrArray: ...
@overload
def derivative_cross_moment(
    activation: object, q1: object, q2: object, q12: object, *, dps: int, **params: object
) -> mpmath.mpf: ...
def derivative_cross_moment(
    activation: object,
    q1: object,
    q2: object,
    q12: object,
    *,
    dps: int | None = None,
    **params: object,
) -> FloatOrArray | mpmath.mpf:
    r""":math:`E[\phi'(u)\phi'(v)] = \partial W / \partial q_{12}` (Price's theorem [P58]).

    Used by :math:`\chi_c` [SGGS17, eq. (9)] and by the NTK recursion [JGH18, Thm. 1].

    Parameters
    ----------
    activation : str or BoundActivation
        Registry name (with ``params``) or :func:`asymptote.activation` result.
    q1, q2 : float, array_like, str or Fraction
        Variances, ``>= 0`` (arrays broadcast).
    q12 : float, array_like, str or Fraction
        Covariance, ``|q12| <= sqrt(q1 q2)``.
    dps : int or None, default None
        ``None``: numpy float64 (vectorized); int: mpmath with that many digits.

    Returns
    -------
    float, ndarray or mpf
        ``float`` for scalar arguments (``dps=None``), a float64 array when one is an array,
        an ``mpf`` for ``dps=int``.
    """
    return transform("Wd", activation, q1, q2, q12, dps=dps, **params)


@overload
def second_moment_slope(
    activation: object, q: float, *, dps: None = ..., **params: object
) -> float: ...
@overload
def second_moment_slope(
    activation: object, q: object, *, dps: None = ..., **params: object
) -> FloatOrArray: ...
@overload
def second_moment_slope(
    activation: object, q: object, *, dps: int, **params: object
) -> mpmath.mpf: ...
def second_moment_slope(
    activation: object, q: object, *, dps: int | None = None, **params: object
) -> FloatOrArray | mpmath.mpf:
    r""":math:`dV/dq = E[\phi'(\sqrt q z)^2 + \phi\phi''(\sqrt q z)]` [SGGS17, eq. (5)].

    Computed as :math:`E[u\,\phi(u)\phi'(u)]/q` (Gaussian integration by parts), which needs
    only ``phi'`` and so also holds for piecewise-linear ``phi``.

    Parameters
    ----------
    activation : str or BoundActivation
        Registry name (with ``params``) or :func:`asymptote.activation` result.
    q : float, array_like, str or Fraction
        Variance, ``q >= 0``.
    dps : int or None, default None
        ``None``: numpy float64 (vectorized); int: mpmath with that many digits.

    Returns
    -------
    float, ndarray or mpf
        ``float`` for a scalar ``q`` (``dps=None``), a float64 array for an array ``q``, an
        ``mpf`` for ``dps=int``.

    Examples
    --------
    >>> second_moment_slope("relu", 5.0)
    0.5
    """
    return transform("dV", activation, q, dps=dps, **params)
