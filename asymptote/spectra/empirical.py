r"""Spectra of the input-output Jacobian of finite random networks (numpy).

A network of width N and depth L: :math:`x^l = \phi(h^l)`, :math:`h^l = W^l x^{l-1} + b^l`,
with :math:`W^l` Gaussian (entries :math:`N(0, \sigma_w^2/N)`) or :math:`\sigma_w` times a
Haar-orthogonal matrix, :math:`b^l_i \sim N(0, \sigma_b^2)`. The input is put at the fixed
point first: :math:`x^0 = \phi(h^0)` with :math:`h^0_i \sim N(0, q^*)`, so every
:math:`h^l` has (in the large-N limit) variance :math:`q^*`. The Jacobian
:math:`J = \partial x^L/\partial x^0 = \prod_l D^l W^l`, :math:`D^l = \mathrm{diag}\,\phi'(h^l)`
[PSG17, Sec. 2], and the statistics are :math:`m_k = \frac1N \mathrm{tr}(JJ^T)^k` and the
eigenvalues of :math:`JJ^T`.

Haar-orthogonal matrices: QR of a Gaussian matrix with the signs of the diagonal of R moved
into Q (:math:`Q \to Q\,\mathrm{diag}(\mathrm{sign}\,R_{ii})`); without this correction the
law of Q is not Haar [M07, Sec. 5].
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np

from .. import _validate
from ..activations import as_activation
from ..errors import ConvergenceError
from .free_probability import LAYERS, check_weights, spectrum_model

__all__ = [
    "EmpiricalSpectrum",
    "haar_orthogonal",
    "random_jacobian",
    "empirical_spectrum",
    "plot_spectrum",
]


def haar_orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    """An ``n x n`` Haar-distributed orthogonal matrix (QR with sign correction [M07]).

    Examples
    --------
    >>> q = haar_orthogonal(4, np.random.default_rng(0))
    >>> bool(np.allclose(q @ q.T, np.eye(4)))
    True
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an int >= 1, got {n!r}")
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))[None, :]


def _check_width(width: object) -> int:
    if (
        isinstance(width, bool)
        or not isinstance(width, (int, np.integer))
        or not 1 <= width <= 4096
    ):
        raise ValueError(f"width must be an int from 1 to 4096, got {width!r}")
    return int(width)


def random_jacobian(
    activation: object,
    sigma_w: float,
    sigma_b: float,
    *,
    depth: int,
    width: int,
    weights: str = "gaussian",
    rng: np.random.Generator,
    q_star: float | None = None,
    **params: object,
) -> np.ndarray:
    r"""One draw of :math:`J = \prod_{l=1}^{L} D^l W^l` (``width x width``), input at
    :math:`q^*` (``q_star``; ``None``: computed, or 1 where it is undetermined).

    Examples
    --------
    >>> j = random_jacobian("linear", 1.0, 0.0, depth=1, width=3, rng=np.random.default_rng(1),
    ...                     weights="orthogonal")
    >>> bool(np.allclose(j @ j.T, np.eye(3)))
    True
    """
    act = as_activation(activation, **params)
    depth = _validate.depth(depth, minimum=1, meaning=LAYERS)
    check_weights(weights)
    n = _check_width(width)
    sw, sb = float(sigma_w), float(sigma_b)
    if q_star is None:
        q_star = spectrum_model(act, sw, sb, depth=1, weights=weights).q_star
    q0 = 1.0 if q_star is None else float(q_star)
    h = math.sqrt(q0) * rng.standard_normal(n)
    x = act.phi_np(h)
    jac = np.eye(n)
    for _ in range(depth):
        if weights == "gaussian":
            w = sw / math.sqrt(n) * rng.standard_normal((n, n))
        else:
            w = sw * haar_orthogonal(n, rng)
        h = w @ x + sb * rng.standard_normal(n)
        x = act.phi_np(h)
        jac = act.dphi_np(h)[:, None] * (w @ jac)
    return jac


@dataclass(frozen=True)
class EmpiricalSpectrum:
    """Moments of :math:`JJ^T` over independent draws of a finite network.

    Attributes
    ----------
    moments : numpy.ndarray
        Mean over draws of :math:`\\frac1N\\mathrm{tr}(JJ^T)^k`, ``k = 1..K``.
    standard_errors : numpy.ndarray
        Standard error of each mean (sample standard deviation over draws / sqrt(draws)).
    per_draw : numpy.ndarray
        ``(draws, K)`` moments of each draw.
    eigenvalues : numpy.ndarray or None
        ``(draws, width)`` eigenvalues of :math:`JJ^T` (when requested).
    width, depth, draws : int
    """

    moments: np.ndarray
    standard_errors: np.ndarray
    per_draw: np.ndarray
    eigenvalues: np.ndarray | None
    width: int
    depth: int
    draws: int


def empirical_spectrum(
    activation: object,
    sigma_w: float,
    sigma_b: float,
    *,
    depth: int,
    width: int = 1000,
    weights: str = "gaussian",
    draws: int = 4,
    order: int = 2,
    eigenvalues: bool = False,
    seed: int = 0,
    progress: bool = False,
    **params: object,
) -> EmpiricalSpectrum:
    r"""Moments (and optionally eigenvalues) of :math:`JJ^T` of random finite networks.

    Parameters
    ----------
    activation, sigma_w, sigma_b, depth, weights
        As for :func:`asymptote.spectra.spectrum_moments`.
    width : int
        N, 1 to 4096.
    draws : int
        Independent networks (>= 2 for a standard error).
    order : int
        Number of moments K.
    eigenvalues : bool
        Also return the eigenvalues of each :math:`JJ^T` (``numpy.linalg.eigvalsh``).
    seed : int
        Seed of ``numpy.random.default_rng``.
    progress : bool
        A one-line progress counter on stderr.

    Notes
    -----
    Moments use traces of powers of :math:`A = JJ^T`: :math:`m_k = \frac1N\mathrm{tr}A^k`
    (no eigendecomposition). At finite N they differ from the free-probability limit by
    :math:`O(L/N)` relative (see ``docs/spectra.md`` for the measured sizes).

    Examples
    --------
    >>> e = empirical_spectrum("linear", 1.0, 0.0, depth=1, width=200, draws=2, seed=3)
    >>> bool(abs(e.moments[0] - 1) < 0.05)
    True
    """
    act = as_activation(activation, **params)
    depth = _validate.depth(depth, minimum=1, meaning=LAYERS)
    check_weights(weights)
    width = _check_width(width)
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 2:
        raise ValueError(f"draws must be an int >= 2, got {draws!r}")
    if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= 12:
        raise ValueError(f"order must be an int from 1 to 12, got {order!r}")
    rng = np.random.default_rng(seed)
    q_star = spectrum_model(act, float(sigma_w), float(sigma_b), depth=1, weights=weights).q_star
    per_draw = np.empty((draws, order))
    eigs = np.empty((draws, width)) if eigenvalues else None
    for i in range(draws):
        jac = random_jacobian(
            act, sigma_w, sigma_b, depth=depth, width=width, weights=weights, rng=rng, q_star=q_star
        )
        a = jac @ jac.T
        power = a
        for k in range(order):
            per_draw[i, k] = np.trace(power) / width
            if k + 1 < order:
                power = power @ a
        if eigs is not None:
            eigs[i] = np.linalg.eigvalsh(a)
        if progress and sys.stderr.isatty():
            sys.stderr.write(f"\rdraw {i + 1}/{draws}")
            sys.stderr.flush()
    if progress and sys.stderr.isatty():
        sys.stderr.write("\n")
    mean = per_draw.mean(axis=0)
    sem = per_draw.std(axis=0, ddof=1) / math.sqrt(draws)
    return EmpiricalSpectrum(mean, sem, per_draw, eigs, width, depth, draws)


def plot_spectrum(
    activation: object,
    sigma_w: float,
    sigma_b: float,
    path: str,
    *,
    depth: int,
    weights: str = "gaussian",
    empirical_width: int | None = None,
    draws: int = 2,
    seed: int = 0,
    points: int = 400,
    title: str | None = None,
    **params: object,
) -> str:
    r"""Plot the limiting density of :math:`JJ^T` (and optionally a histogram of the
    eigenvalues of random networks of width ``empirical_width``) into ``path`` (format from
    the suffix, PNG without one; written atomically, the matplotlib backend is left alone).

    Atoms are drawn as vertical bars labelled with their mass (the curve starts at the first
    grid point where the density solver converges: for smooth activations with orthogonal
    weights its float64 quadrature may fail as :math:`\lambda \to 0`); the histogram counts each
    eigenvalue with weight :math:`1/(N \cdot \mathrm{draws})`, eigenvalues below
    :math:`10^{-9}\lambda_{\max}` (the atom at 0) are left out of it.

    Returns
    -------
    str
        ``path``.
    """
    from ..plotting import new_figure, save_figure
    from .density import spectral_atoms, spectral_density, spectral_edge

    act = as_activation(activation, **params)
    edge = spectral_edge(act, sigma_w, sigma_b, depth=depth, weights=weights)
    atoms = spectral_atoms(act, sigma_w, sigma_b, depth=depth, weights=weights)
    grid = np.linspace(0, edge * 1.08, points + 1)[1:]
    start = 0
    while True:  # smooth phi, orthogonal W: Newton may fail for lambda -> 0 (see docs)
        try:
            rho = np.asarray(
                spectral_density(act, sigma_w, sigma_b, grid[start:], depth=depth, weights=weights)
            )
            break
        except ConvergenceError:
            start += max(1, points // 100)
            if start >= grid.size // 4:
                raise
    grid = grid[start:]
    fig = new_figure(figsize=(6.4, 4.0))
    ax = fig.subplots()
    if empirical_width is not None:
        emp = empirical_spectrum(
            act,
            sigma_w,
            sigma_b,
            depth=depth,
            width=empirical_width,
            weights=weights,
            draws=draws,
            eigenvalues=True,
            seed=seed,
        )
        assert emp.eigenvalues is not None
        vals = emp.eigenvalues.ravel()
        vals = vals[vals > 1e-9 * edge]
        weight = np.full(vals.size, 1.0 / (empirical_width * draws))
        ax.hist(
            vals,
            bins=80,
            range=(0, edge * 1.08),
            weights=weight / (edge * 1.08 / 80),
            color="0.75",
            label=f"eigenvalues, N = {empirical_width}, {draws} draws",
        )
    ax.plot(grid, rho, color="C0", lw=1.8, label="free probability")
    for loc, mass in atoms:
        ax.axvline(loc, color="C3", lw=1.2, ls="--")
        ax.annotate(f"atom {mass:.3g}", (loc, 0.9), xycoords=("data", "axes fraction"), color="C3")
    ax.set_xlabel(r"eigenvalue $\lambda$ of $JJ^T$")
    ax.set_ylabel(r"density $\rho(\lambda)$")
    top = float(np.max(rho[grid > edge * 0.02])) if np.any(rho > 0) else 1.0
    ax.set_ylim(0, 1.3 * top)
    ax.set_title(title or f"{act!r}, {weights} weights, L = {depth}")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    save_figure(fig, path, dpi=120)
    return path
