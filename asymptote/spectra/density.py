r"""Density, atoms and support edge of the limiting spectrum of :math:`JJ^T`.

The functional equation. With :math:`G(w) = \int \rho(\lambda)\,d\lambda/(w-\lambda)` and
:math:`m = M_{JJ^T}(1/w) = wG(w) - 1`, the definition of the S-transform gives
:math:`1/w = \chi_{JJ^T}(m)`. Write :math:`t = \chi_{D^2}(m)`, the *subordination variable*,
so that :math:`m = M_{D^2}(t) = E[dt/(1-dt)]`; then (module :mod:`.free_probability`)

.. math:: \frac1w = \frac{m}{1+m}\Big[\frac{t\,(1+m)^{1-g}}{m\,\sigma_w^2}\Big]^L ,

one equation for one complex unknown :math:`t` [PSG17, Sec. 2.3; PSG18, Sec. 3]. It is solved
by Newton's method on its logarithm, following the physical branch continuously from
:math:`w = \lambda + iY` (:math:`Y = 2\lambda_{\max} + 1`, where :math:`m` is given by the
moment series) down the vertical line to :math:`w = \lambda + i0`; on that path
:math:`\operatorname{Im} G < 0` holds throughout, which selects the branch. Then
:math:`\rho(\lambda) = -\operatorname{Im} m(\lambda + i0)/(\pi\lambda)`.

Edge. For real :math:`\lambda > \lambda_{\max}`, :math:`m \in (0, m_{edge})` is real and
:math:`1/\lambda = \chi_{JJ^T}(m)` increases with :math:`m` until its first critical point,
where the two real branches merge (the discriminant of the equation vanishes). So
:math:`\lambda_{\max} = 1/\sup \chi_{JJ^T}` over real :math:`t \in (0, 1/d_{\max})`, found as
the first zero of :math:`d\log\chi/dt`; when :math:`\chi` increases all the way (orthogonal
weights and an atom of :math:`D^2` at :math:`d_{\max}` of mass :math:`p > 1 - 1/L`),
:math:`\lambda_{\max} = (\sigma_w^2 d_{\max})^L` is itself an atom.

Atoms. :math:`WW^T` has no atoms (Marchenko-Pastur of ratio 1, or a point mass for
orthogonal weights), and for free positive elements
:math:`\mu_{ab}(\{0\}) = \max(\mu_a(\{0\}), \mu_b(\{0\}))` while a nonzero atom
:math:`ab` has mass :math:`\mu_a(\{a\}) + \mu_b(\{b\}) - 1` when positive [B03]. Hence an atom
of :math:`D^2` at 0 with mass :math:`p_0` gives an atom of :math:`JJ^T` at 0 of mass
:math:`p_0` for every L (ReLU: 1/2; hard tanh: :math:`P(|h| > 1)`), and with orthogonal weights
an atom of :math:`D^2` at :math:`d > 0` of mass :math:`p` gives one at
:math:`(\sigma_w^2 d)^L` of mass :math:`\max(0, 1 - L(1-p))`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

import mpmath
import numpy as np

from .. import _validate
from .._precision import check_dps, round_mpf, to_mpf, workdps
from .._types import FloatOrArray
from ..activations import as_activation
from ..errors import ConvergenceError
from .free_probability import JacobianSpectrumModel, spectrum_model

__all__ = ["SpectrumSummary", "spectral_atoms", "spectral_edge", "spectral_density", "spectrum"]

_PATH_STEPS = 48
_NEWTON_PER_STEP = 3


# ---------------------------------------------------------------------------------------
# atoms
# ---------------------------------------------------------------------------------------
def _atoms(model: JacobianSpectrumModel) -> list[tuple[Any, Any]]:
    law = model.law
    out: list[tuple[Any, Any]] = []
    if law.kind != "atomic":
        return out
    zero = law.zero_mass
    if zero > 0:
        out.append((0 * model.sigma_w2, zero))
    if model.gaussian == 0:
        L = model.depth
        for v, p in zip(law.values, law.probabilities, strict=True):
            if v == 0:
                continue
            mass = 1 - L * (1 - p)
            if mass > 0:
                out.append(((model.sigma_w2 * v) ** L, mass))
    out.sort(key=lambda a: a[0])
    return out


# ---------------------------------------------------------------------------------------
# support edge
# ---------------------------------------------------------------------------------------
def _edge_grid(t_b: float, atomic: bool) -> np.ndarray:
    low = t_b * np.exp(-np.linspace(40.0, 0.05, 240))
    high = t_b * (1 - np.exp(-np.linspace(0.05, 60.0 if atomic else 14.0, 360 if atomic else 160)))
    grid = np.concatenate([low, high])
    return grid[grid < t_b]


def _edge_np(model: JacobianSpectrumModel) -> tuple[float, float | None]:
    """(lambda_max, t at the edge or None when the edge is the atom (sigma_w^2 d_max)^L)."""
    law = model.law
    d_max = float(law.d_max)
    L = model.depth
    atom_edge = (model.sigma_w2 * d_max) ** L
    if model.gaussian == 0 and law.kind == "atomic":
        p_max = sum(p for v, p in zip(law.values, law.probabilities, strict=True) if v == d_max)
        if 1 - L * (1 - p_max) >= 0:
            return float(atom_edge), None
    if model.gaussian == 0 and L == 1:
        return float(atom_edge), None
    t_b = 1.0 / d_max
    grid = _edge_grid(t_b, law.kind == "atomic")
    bracket = None
    for start in range(0, grid.size - 1, 40):  # ascending chunks: stop at the first zero
        part = grid[start : start + 41]
        slope = np.real(model.log_chi(part.astype(complex))[2])
        change = np.nonzero((slope[:-1] > 0) & (slope[1:] <= 0))[0]
        if change.size:
            bracket = float(part[change[0]]), float(part[change[0] + 1])
            break
    if bracket is None:
        raise ConvergenceError(
            "support edge: d log chi / dt has no zero on (0, 1/d_max) for this model",
            bracket=(float(grid[0]), float(grid[-1])),
        )
    lo, hi = bracket
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if np.real(model.log_chi(np.asarray([mid], dtype=complex))[2])[0] > 0:
            lo = mid
        else:
            hi = mid
    t_edge = 0.5 * (lo + hi)
    log_chi = float(np.real(model.log_chi(np.asarray([t_edge], dtype=complex))[1])[0])
    if -log_chi > 709:
        raise OverflowError(f"lambda_max overflows float64 at depth = {L}; use dps")
    return math.exp(-log_chi), t_edge


def _lower_edge_np(model: JacobianSpectrumModel) -> float:
    """Lower edge of the support for orthogonal weights and an atomic law of D^2 bounded away
    from 0 (leaky ReLU): below it m = M(1/lambda) < -1 is real, t = chi_{D^2}(m) lies in
    (1/d_min, inf), and the edge is the stationary point of chi there, or its limit
    :math:`(\\sigma_w^2 d_{\\min})^L` at :math:`t \\to 1/d_{\\min}` when chi is monotone."""
    law = model.law
    if model.gaussian == 1 or law.kind != "atomic" or law.zero_mass > 0:
        return 0.0
    d_min = float(min(law.values))
    if d_min == float(law.d_max):
        return 0.0
    grid = (1 / d_min) * (1 + np.exp(np.linspace(-30.0, 40.0, 701)))
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.real(model.log_chi(grid.astype(complex))[2])
    keep = np.isfinite(slope)  # t so close to 1/d_min that 1 - d t rounds to 0
    grid, slope = grid[keep], slope[keep]
    change = np.nonzero(np.sign(slope[:-1]) != np.sign(slope[1:]))[0]
    if change.size == 0:  # chi monotone: the edge is the limit t -> 1/d_min, m -> -inf
        return float((model.sigma_w2 * d_min) ** model.depth)
    lo, hi = float(grid[change[0]]), float(grid[change[0] + 1])
    s_lo = np.sign(np.real(model.log_chi(np.asarray([lo], dtype=complex))[2])[0])
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if np.sign(np.real(model.log_chi(np.asarray([mid], dtype=complex))[2])[0]) == s_lo:
            lo = mid
        else:
            hi = mid
    log_chi = np.real(model.log_chi(np.asarray([0.5 * (lo + hi)], dtype=complex))[1])[0]
    if not np.isfinite(log_chi):
        raise ConvergenceError("lower support edge: log chi is not finite", bracket=(lo, hi))
    return float(math.exp(-log_chi))


def _edge_mp(model: JacobianSpectrumModel, model_np: JacobianSpectrumModel, dps: int) -> mpmath.mpf:
    from ..numeric.roots import refine_root_mp

    lam, t_edge = _edge_np(model_np)
    if t_edge is None:
        return (model.sigma_w2 * model.law.d_max) ** model.depth

    def slope(t: mpmath.mpf) -> mpmath.mpf:
        return model.log_chi(t)[2]

    t0 = mpmath.mpf(t_edge)
    root = refine_root_mp(
        slope,
        t0,
        tol=t0 * mpmath.mpf(10) ** (-(dps // 2 + 4)),
        first_step=t0 * mpmath.mpf("1e-9"),
        lower=mpmath.mpf(0),
        upper=1 / model.law.d_max,
        what="support edge t",
    )
    # chi is stationary at the root: an error eps in t costs only eps^2 in lambda_max
    return mpmath.exp(-model.log_chi(root)[1])


# ---------------------------------------------------------------------------------------
# density
# ---------------------------------------------------------------------------------------
def _reduce(value: Any) -> Any:
    """Map the imaginary part of a logarithm into (-pi, pi]."""
    return value - 2j * np.pi * np.round(np.imag(value) / (2 * np.pi))


def _start_t(model: JacobianSpectrumModel, w: np.ndarray) -> np.ndarray:
    moments = model.moments(8)
    z = 1.0 / w
    m = sum(mk * z ** (k + 1) for k, mk in enumerate(moments))
    t = m / model.mu(1)
    for _ in range(30):  # Newton for M_{D^2}(t) = m
        mt, dmt = model.law.mgf(t)
        t = t - (mt - m) / dmt
    return t


def _newton_np(
    model: JacobianSpectrumModel, w: np.ndarray, t: np.ndarray, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    log_w = np.log(w)
    residual = np.full(w.shape, np.inf)
    for _ in range(steps):
        _, log_chi, deriv = model.log_chi(t)
        residual = _reduce(log_w + log_chi)
        t = t - residual / deriv
    return t, np.abs(residual)


def _purely_atomic(model: JacobianSpectrumModel) -> bool:
    if model.gaussian == 0 and model.depth == 1 and model.law.kind == "gaussian":
        raise ValueError(
            "with orthogonal weights and depth = 1 the spectrum is the law of "
            "sigma_w^2 phi'(h)^2 itself, which this solver does not evaluate; use depth >= 2"
        )
    return bool(sum(float(m) for _, m in _atoms(model)) >= 1 - 1e-14)


def _density_np(model: JacobianSpectrumModel, lam: np.ndarray, lam_max: float) -> np.ndarray:
    out = np.zeros(lam.shape)
    if _purely_atomic(model):
        return out
    lam_min = _lower_edge_np(model)
    inside = (lam > lam_min * (1 - 1e-12)) & (lam > 0) & (lam < lam_max * (1 + 1e-12))
    if not np.any(inside):
        return out
    x = lam[inside].astype(float)
    height = 2.0 * lam_max + 1.0
    t = _start_t(model, x + 1j * height)
    etas = height * np.geomspace(1.0, 1e-13, _PATH_STEPS)
    for eta in etas[1:]:
        t, _ = _newton_np(model, x + 1j * eta, t, _NEWTON_PER_STEP)
    t, res = _newton_np(model, x.astype(complex), t, 12)
    bad = ~(res <= 1e-9)
    if np.any(bad):
        raise ConvergenceError(
            f"spectral density: Newton did not converge at lambda = {x[bad][:3].tolist()}",
            residual=float(np.nanmax(np.where(bad, res, 0))),
        )
    m, _ = model.law.mgf(t)
    m_final = m if model.law.kind == "gaussian" else m
    rho = np.maximum(-np.imag(m_final), 0.0) / (np.pi * x)
    out[inside] = rho
    return out


def _density_mp(model: JacobianSpectrumModel, lam: Any, t_float: complex, dps: int) -> Any:
    t = mpmath.mpc(t_float)
    w = mpmath.mpf(lam)
    log_w = mpmath.log(w)
    tol = mpmath.mpf(10) ** (-(dps + 3))
    for _ in range(60):
        m, log_chi, deriv = model.log_chi(t)
        residual = log_w + log_chi
        residual -= 2j * mpmath.pi * mpmath.nint(residual.imag / (2 * mpmath.pi))
        t = t - residual / deriv
        if abs(residual) < tol:
            m, _ = model.law.mgf(t)
            return max(-mpmath.im(m), mpmath.mpf(0)) / (mpmath.pi * w)
    raise ConvergenceError(
        f"spectral density at lambda = {mpmath.nstr(w, 8)}: mp Newton did not converge",
        iterations=60,
        residual=mpmath.nstr(abs(residual), 3),
    )


# ---------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SpectrumSummary:
    """Limiting spectrum of :math:`JJ^T`: fixed point, slope, moments, edge, atoms, density.

    Attributes
    ----------
    q_star : float, mpf or None
        Fixed point of the length map (None: undetermined, see
        :class:`~asymptote.spectra.free_probability.JacobianSpectrumModel`).
    chi_1 : float or mpf
        :math:`\\sigma_w^2 \\mu_1`.
    moments : list
        :math:`m_1, ..., m_K`.
    variance : float or mpf
        :math:`m_2 - m_1^2`.
    lambda_max : float or mpf
        Upper edge of the support.
    atoms : list of (location, mass)
    density : list of (lambda, rho)
    """

    q_star: Any
    chi_1: Any
    moments: list[Any]
    variance: Any
    lambda_max: Any
    atoms: list[tuple[Any, Any]]
    density: list[tuple[Any, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _float_guess(sigma_w: Any, sigma_b: Any) -> tuple[float, float]:
    """The sigmas as floats, for the float64 model that starts the mpmath path."""
    return (
        float(_validate.standard_deviation(sigma_w, "sigma_w", dps=20)),
        float(_validate.standard_deviation(sigma_b, "sigma_b", dps=20)),
    )


def _lambdas_np(lambdas: Any) -> np.ndarray:
    try:
        arr = np.asarray(lambdas, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"lambdas must be real numbers, got {lambdas!r}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"lambdas must be finite, got {lambdas!r}")
    if np.any(arr == 0):
        raise ValueError("lambdas must be != 0: the density is not defined at 0 (atoms sit there)")
    return arr


@overload
def spectral_edge(
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
def spectral_edge(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    *,
    depth: int,
    weights: str = ...,
    dps: int,
    **params: object,
) -> mpmath.mpf: ...
def spectral_edge(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    *,
    depth: int,
    weights: str = "gaussian",
    dps: int | None = None,
    **params: object,
) -> float | mpmath.mpf:
    r"""Upper edge :math:`\lambda_{\max}` of the limiting spectrum of :math:`JJ^T`.

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
        :math:`\lambda_{\max}`: a ``float`` for ``dps=None``, an ``mpf`` rounded to ``dps``
        digits otherwise.

    Notes
    -----
    :math:`\lambda_{\max} = 1/\max_{t} \chi_{JJ^T}` along real :math:`t\in(0, 1/d_{\max})`
    (module docstring; [PSG18, Sec. 3]). Linear Gaussian nets: :math:`(L+1)^{L+1}/L^L\,
    \sigma_w^{2L}` (Fuss-Catalan law), 4 sigma_w^2 at L = 1 (Marchenko-Pastur).
    With ``dps`` the edge is the stationary point refined at that precision.

    Examples
    --------
    >>> round(spectral_edge("linear", 1.0, 0.0, depth=1), 12)
    4.0
    """
    act = as_activation(activation, **params)
    if dps is None:
        model = spectrum_model(act, sigma_w, sigma_b, depth=depth, weights=weights)
        return _edge_np(model)[0]
    dps = check_dps(dps)
    model_np = spectrum_model(act, *_float_guess(sigma_w, sigma_b), depth=depth, weights=weights)
    with workdps(dps):
        model = spectrum_model(
            act, sigma_w, sigma_b, depth=depth, weights=weights, backend="mpmath"
        )
        return round_mpf(_edge_mp(model, model_np, dps), dps)


@overload
def spectral_atoms(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    *,
    depth: int,
    weights: str = ...,
    dps: None = ...,
    **params: object,
) -> list[tuple[float, float]]: ...
@overload
def spectral_atoms(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    *,
    depth: int,
    weights: str = ...,
    dps: int,
    **params: object,
) -> list[tuple[mpmath.mpf, mpmath.mpf]]: ...
def spectral_atoms(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    *,
    depth: int,
    weights: str = "gaussian",
    dps: int | None = None,
    **params: object,
) -> list[tuple[float, float]] | list[tuple[mpmath.mpf, mpmath.mpf]]:
    r"""Atoms ``[(location, mass)]`` of the limiting spectrum of :math:`JJ^T`.

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
    list of (float, float) or list of (mpf, mpf)
        ``(location, mass)`` pairs: floats for ``dps=None``, ``mpf`` rounded to ``dps``
        digits otherwise.

    Notes
    -----
    At 0 the mass :math:`P(\phi'(h)=0)`; with orthogonal weights also
    :math:`(\sigma_w^2 d)^L` with mass :math:`\max(0, 1 - L(1-P(\phi'^2 = d)))` for each atom
    :math:`d > 0` of :math:`D^2` [B03] (module docstring).

    Examples
    --------
    >>> spectral_atoms("relu", 2 ** 0.5, 0.0, depth=10)
    [(0.0, 0.5)]
    """
    act = as_activation(activation, **params)
    if dps is None:
        return [
            (float(a), float(b))
            for a, b in _atoms(spectrum_model(act, sigma_w, sigma_b, depth=depth, weights=weights))
        ]
    dps = check_dps(dps)
    with workdps(dps):
        model = spectrum_model(
            act, sigma_w, sigma_b, depth=depth, weights=weights, backend="mpmath"
        )
        return [
            (round_mpf(mpmath.mpf(a), dps), round_mpf(mpmath.mpf(b), dps)) for a, b in _atoms(model)
        ]


@overload
def spectral_density(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    lambdas: float,
    *,
    depth: int,
    weights: str = ...,
    dps: None = ...,
    **params: object,
) -> float: ...
@overload
def spectral_density(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    lambdas: object,
    *,
    depth: int,
    weights: str = ...,
    dps: None = ...,
    **params: object,
) -> FloatOrArray: ...
@overload
def spectral_density(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    lambdas: list[Any] | tuple[Any, ...] | np.ndarray,
    *,
    depth: int,
    weights: str = ...,
    dps: int,
    **params: object,
) -> list[mpmath.mpf]: ...
@overload
def spectral_density(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    lambdas: object,
    *,
    depth: int,
    weights: str = ...,
    dps: int,
    **params: object,
) -> mpmath.mpf | list[mpmath.mpf]: ...
def spectral_density(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    lambdas: Any,
    *,
    depth: int,
    weights: str = "gaussian",
    dps: int | None = None,
    **params: object,
) -> FloatOrArray | mpmath.mpf | list[mpmath.mpf]:
    r"""Density :math:`\rho(\lambda)` of the continuous part of the spectrum of :math:`JJ^T`.

    Parameters
    ----------
    activation : str or BoundActivation
        Piecewise-constant :math:`\phi'` (ReLU family, hard tanh) or smooth activations.
    sigma_w, sigma_b : float, str, Fraction or mpf
    lambdas : float or array_like (``dps``: a scalar or a sequence)
        Points :math:`\lambda \ne 0` (0 is returned for :math:`\lambda < 0` and above the edge).
    depth : int
    weights : {'gaussian', 'orthogonal'}
    dps : int or None

    Returns
    -------
    float, numpy.ndarray, mpf or list of mpf
        ``dps=None``: a ``float`` for scalar ``lambdas``, else a float64 array of its shape;
        ``dps=int``: an ``mpf`` for a scalar, a list of ``mpf`` for a list, tuple or array.

    Raises
    ------
    ValueError
        Bad parameters, :math:`\lambda = 0`, or an activation whose :math:`\phi'` has kinks
        and a continuous law (alpha-ReLU with alpha != 0, 1).
    ConvergenceError
        Newton's method failed on the branch (reported with the :math:`\lambda` values).

    Notes
    -----
    :math:`\rho(\lambda) = -\operatorname{Im} M_{JJ^T}(1/(\lambda+i0))/(\pi\lambda)` with
    :math:`M` from the subordination equation of the module docstring [PSG17, Sec. 2.3].
    The atoms (:func:`spectral_atoms`) are not included: :math:`\int\rho = 1 - \sum` masses.

    Examples
    --------
    >>> rho = spectral_density("linear", 1.0, 0.0, [1.0, 2.0], depth=1)  # Marchenko-Pastur
    >>> [round(float(r), 12) for r in rho]
    [0.275664447711, 0.159154943092]
    """
    act = as_activation(activation, **params)
    if dps is None:
        lam = _lambdas_np(lambdas)
        model = spectrum_model(act, sigma_w, sigma_b, depth=depth, weights=weights)
        lam_max = _edge_np(model)[0]
        flat = lam.ravel()
        out = _density_np(model, flat, lam_max).reshape(lam.shape)
        return float(out) if lam.ndim == 0 else out
    dps = check_dps(dps)
    scalar = not isinstance(lambdas, (list, tuple, np.ndarray))
    items = [lambdas] if scalar else list(lambdas)
    model_np = spectrum_model(act, *_float_guess(sigma_w, sigma_b), depth=depth, weights=weights)
    lam_max = _edge_np(model_np)[0]
    with workdps(dps):
        values = [to_mpf(v, "lambdas") for v in items]
        if any(v == 0 for v in values):
            raise ValueError("lambdas must be != 0: the density is not defined at 0")
        floats = np.asarray([float(v) for v in values])
        lam_min = _lower_edge_np(model_np)
        inside = (
            (floats > 0)
            & (floats > lam_min * (1 - 1e-12))
            & (floats < lam_max * (1 + 1e-12))
            & (not _purely_atomic(model_np))
        )
        t_float = np.zeros(floats.shape, dtype=complex)
        if np.any(inside):
            x = floats[inside]
            height = 2.0 * lam_max + 1.0
            t = _start_t(model_np, x + 1j * height)
            for eta in (height * np.geomspace(1.0, 1e-13, _PATH_STEPS))[1:]:
                t, _ = _newton_np(model_np, x + 1j * eta, t, _NEWTON_PER_STEP)
            t_float[inside], _ = _newton_np(model_np, x.astype(complex), t, 12)
        model = spectrum_model(
            act, sigma_w, sigma_b, depth=depth, weights=weights, backend="mpmath"
        )
        results: list[Any] = []
        for v, ok, tf in zip(values, inside, t_float, strict=True):
            results.append(
                round_mpf(_density_mp(model, v, complex(tf), dps), dps) if ok else mpmath.mpf(0)
            )
    return results[0] if scalar else results


def spectrum(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    *,
    depth: int,
    weights: str = "gaussian",
    order: int = 4,
    lambdas: Sequence[Any] = (),
    dps: int | None = None,
    **params: object,
) -> SpectrumSummary:
    r"""Everything about the limiting spectrum of :math:`JJ^T` in one call.

    Examples
    --------
    >>> s = spectrum("relu", 2 ** 0.5, 0.0, depth=1, weights="orthogonal", order=2)
    >>> [(round(x, 12), round(m, 12)) for x, m in s.atoms], round(s.lambda_max, 12)
    ([(0.0, 0.5), (2.0, 0.5)], 2.0)
    """
    from .free_probability import spectrum_moments, spectrum_variance

    act = as_activation(activation, **params)
    kw: dict[str, Any] = {"depth": depth, "weights": weights, "dps": dps}
    moments = spectrum_moments(act, sigma_w, sigma_b, order=max(order, 2), **kw)[:order]
    variance = spectrum_variance(act, sigma_w, sigma_b, **kw)
    edge = spectral_edge(act, sigma_w, sigma_b, **kw)
    atoms = spectral_atoms(act, sigma_w, sigma_b, **kw)
    density: list[tuple[Any, Any]] = []
    if len(lambdas):
        values = spectral_density(
            act, sigma_w, sigma_b, list(lambdas) if dps else np.asarray(lambdas, dtype=float), **kw
        )
        density = [
            (lam if dps else float(lam), rho) for lam, rho in zip(lambdas, values, strict=True)
        ]
    if dps is None:
        model = spectrum_model(act, sigma_w, sigma_b, depth=depth, weights=weights)
        q_star, chi_1 = model.q_star, float(model.sigma_w2 * model.mu(1))
    else:
        with workdps(dps):
            model = spectrum_model(
                act, sigma_w, sigma_b, depth=depth, weights=weights, backend="mpmath"
            )
            q_star = None if model.q_star is None else round_mpf(model.q_star, dps)
            chi_1 = round_mpf(model.sigma_w2 * model.mu(1), dps)
    return SpectrumSummary(q_star, chi_1, moments, variance, edge, atoms, density)
