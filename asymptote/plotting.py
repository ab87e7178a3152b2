r"""Figures (matplotlib, an optional extra imported lazily inside each function).

* :func:`phase_diagram`: order/chaos in the :math:`(\sigma_w, \sigma_b)` plane of a
  feedforward activation, coloured by :math:`\ln\chi_1`, with the critical line
  :math:`\chi_1 = 1` and contours of the depth scale :math:`\xi_c` [PLRSG16, Fig. 2;
  SGGS17, Fig. 1].
* :func:`exponent_fit_figure`: a depth trajectory on semi-log (exponential law) or log-log
  (power law) axes with the predicted law overlaid.
* :func:`montecarlo_figure`: simulated random networks (mean and two-standard-error band per
  layer) against the mean-field prediction.

Figures are built as :class:`matplotlib.figure.Figure` objects, never through
:mod:`matplotlib.pyplot`, so plotting never switches the caller's backend (a Jupyter session
keeps its inline figures). Every file is written atomically
(:func:`asymptote._io.atomic_write`) in the format of its suffix (PNG when there is none).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._io import atomic_write

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["phase_grid", "phase_diagram", "exponent_fit_figure", "montecarlo_figure"]


def new_figure(**kwargs: Any) -> Figure:
    """A :class:`matplotlib.figure.Figure` made without pyplot (the backend is left alone).

    Parameters
    ----------
    **kwargs
        Passed to :class:`matplotlib.figure.Figure` (``figsize``, ``dpi``, ...).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ImportError
        matplotlib is not installed (the message says how to install it).
    """
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "plotting needs matplotlib: python -m pip install 'asymptote[plot]' "
            "(or pip install matplotlib)"
        ) from None
    return Figure(**kwargs)


def save_figure(fig: Any, path: str | os.PathLike[str], *, dpi: float | None = None) -> Path:
    """Save ``fig`` to ``path`` atomically; the format is the suffix (``png`` without one)."""
    target = Path(path)
    fmt = target.suffix[1:].lower() or "png"
    options: dict[str, Any] = {"format": fmt}
    if dpi is not None:
        options["dpi"] = dpi
    return atomic_write(target, lambda handle: fig.savefig(handle, **options))


def _check_range(value: tuple[float, float], name: str, lower: float) -> tuple[float, float]:
    a, b = (float(v) for v in value)
    if not (np.isfinite(a) and np.isfinite(b)) or not lower <= a < b:
        raise ValueError(f"{name} must be a range a,b with {lower} <= a < b, got {value!r}")
    return a, b


def phase_grid(
    activation: object,
    sigma_w_range: tuple[float, float] = (0.5, 3.0),
    sigma_b_range: tuple[float, float] = (0.0, 1.0),
    *,
    resolution: tuple[int, int] = (121, 61),
) -> dict[str, Any]:
    r""":math:`\chi_1` and :math:`\xi_c` on a :math:`(\sigma_w, \sigma_b)` grid (float64 path).

    Returns a dict with ``sigma_w`` (n_w,), ``sigma_b`` (n_b,), ``chi_1`` and ``xi_c``
    (n_b, n_w; NaN where the length map has no finite fixed point, e.g. ReLU with
    :math:`\chi_1 \ge 1` and a bias, and on the chaotic side of activations without a
    closed-form cross moment ``W``, whose 2-D quadrature is too slow for a grid) and the
    critical line ``critical_sigma_w`` (n_b,).

    Examples
    --------
    >>> g = phase_grid("erf", (0.5, 2.0), (0.0, 0.5), resolution=(5, 3))
    >>> g["chi_1"].shape
    (3, 5)
    """
    from .activations import as_activation
    from .errors import ConvergenceError
    from .feedforward import critical_point, fixed_point_length, mean_field
    from .transforms import transform

    act = as_activation(activation)
    sw_lo, sw_hi = _check_range(sigma_w_range, "sigma_w_range", 0.0)
    sb_lo, sb_hi = _check_range(sigma_b_range, "sigma_b_range", 0.0)
    n_w, n_b = resolution
    if n_w < 2 or n_b < 2:
        raise ValueError(f"resolution must be at least (2, 2), got {resolution!r}")
    sw = np.linspace(max(sw_lo, 1e-3), sw_hi, n_w)
    sb = np.linspace(sb_lo, sb_hi, n_b)
    chi = np.full((n_b, n_w), np.nan)
    xi = np.full((n_b, n_w), np.nan)
    if act.homogeneity_degree == 1.0:
        # chi_1 = sigma_w^2 E[phi'^2] does not depend on q; no finite q* once chi_1 >= 1
        # (with a bias), so xi_c is drawn only in the ordered phase
        gain = float(transform("Vd", act, 1.0))
        chi[:] = gain * sw[None, :] ** 2
        with np.errstate(divide="ignore"):
            xi = np.where(chi < 1, -1.0 / np.log(chi), np.nan)
        critical = np.full(n_b, 1.0 / np.sqrt(gain))
    else:
        # q* and chi_1 on the whole grid (1-D transforms: fast); xi_c = -1/ln chi_1 in the
        # ordered phase (c* = 1). The chaotic side needs c* and chi_c from the 2-D transform
        # W: drawn when W has a closed form (vectorized), left blank otherwise (2-D
        # quadrature on ~10^4 points would take minutes).
        sw_grid, sb_grid = np.meshgrid(sw, sb)
        q = np.full(sw_grid.shape, np.nan)
        try:
            q = np.asarray(fixed_point_length(act, sw_grid, sb_grid), dtype=float)
        except ConvergenceError:
            for i in range(n_b):
                for j in range(n_w):
                    try:
                        q[i, j] = fixed_point_length(act, float(sw[j]), float(sb[i]))
                    except ConvergenceError:
                        pass
        ok = np.isfinite(q)
        chi[ok] = sw_grid[ok] ** 2 * transform("Vd", act, q[ok])
        with np.errstate(divide="ignore", invalid="ignore"):
            xi = np.where(chi < 1, -1.0 / np.log(chi), np.nan)
        chaotic = ok & (chi > 1)
        if np.any(chaotic) and act.closed_form_valid("W") and act.closed_form_valid("Wd"):
            point = mean_field(act, sw_grid[chaotic], sb_grid[chaotic])
            xi[chaotic] = point.xi_c
        try:
            critical = np.asarray(critical_point(act, sb)[0], dtype=float)
        except (ConvergenceError, ValueError):
            critical = np.full(n_b, np.nan)
    return {"sigma_w": sw, "sigma_b": sb, "chi_1": chi, "xi_c": xi, "critical_sigma_w": critical}


def phase_diagram(
    activation: object,
    out: str | Path,
    *,
    sigma_w_range: tuple[float, float] = (0.5, 3.0),
    sigma_b_range: tuple[float, float] = (0.0, 1.0),
    resolution: tuple[int, int] = (121, 61),
    xi_levels: tuple[float, ...] = (2, 5, 10, 20, 50),
) -> Path:
    r"""Draw the order/chaos phase diagram of ``activation`` and save it to ``out`` (PNG).

    Colour: :math:`\ln\chi_1` (blue ordered, red chaotic); black line: the critical line
    :math:`\chi_1 = 1`; grey contours: :math:`\xi_c` at ``xi_levels`` layers.
    """
    from .activations import as_activation

    act = as_activation(activation)
    grid = phase_grid(act, sigma_w_range, sigma_b_range, resolution=resolution)
    fig = new_figure(figsize=(6.4, 4.6), dpi=120)
    from matplotlib.colors import TwoSlopeNorm

    sw, sb, chi, xi = grid["sigma_w"], grid["sigma_b"], grid["chi_1"], grid["xi_c"]
    log_chi = np.log(np.where(chi > 0, chi, np.nan))
    bound = max(float(np.nanmax(np.abs(log_chi))) if np.isfinite(log_chi).any() else 1.0, 1e-3)
    ax = fig.subplots()
    mesh = ax.pcolormesh(
        sw,
        sb,
        log_chi,
        shading="auto",
        cmap="RdBu_r",
        norm=TwoSlopeNorm(vcenter=0.0, vmin=-bound, vmax=bound),
    )
    fig.colorbar(mesh, ax=ax, label=r"$\ln\chi_1$  (< 0 ordered, > 0 chaotic)")
    finite_xi = np.where(np.isfinite(xi), xi, np.nan)
    if np.isfinite(finite_xi).any():
        contours = ax.contour(
            sw,
            sb,
            finite_xi,
            levels=list(xi_levels),
            colors="0.25",
            linewidths=0.8,
            linestyles="dashed",
        )
        ax.clabel(contours, fmt=lambda v: rf"$\xi_c$={v:g}", fontsize=7)
    ax.plot(grid["critical_sigma_w"], sb, color="black", lw=2, label=r"critical line $\chi_1 = 1$")
    ax.set_xlim(sw[0], sw[-1])
    ax.set_ylim(sb[0], sb[-1])
    ax.set_xlabel(r"$\sigma_w$")
    ax.set_ylabel(r"$\sigma_b$")
    ax.set_title(f"{act.label}: order and chaos, depth scale $\\xi_c$")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    return save_figure(fig, out, dpi=120)


def exponent_fit_figure(
    depths: Any,
    values: Any,
    slope: float,
    out: str | Path,
    *,
    law: str = "exponential",
    window: tuple[float, float] = (0.0, np.inf),
    title: str = "",
    ylabel: str = "distance to the fixed point",
) -> Path:
    """Plot a depth trajectory with the predicted law (slope ``slope``) through the window."""
    fig = new_figure(figsize=(6.0, 4.2), dpi=120)
    depths = np.asarray(depths, dtype=float)
    values = np.asarray(values, dtype=float)
    keep = (values > 0) & (values >= window[0]) & (values <= window[1])
    ax = fig.subplots()
    positive = values > 0
    ax.plot(depths[positive], values[positive], ".", ms=3, color="C0", label="iterated map")
    if keep.any():
        anchor = int(np.flatnonzero(keep)[len(np.flatnonzero(keep)) // 2])
        x0, y0 = depths[anchor], values[anchor]
        if law == "power":
            line = y0 * (depths / x0) ** slope
            label = f"predicted $l^{{{slope:.4g}}}$"
        else:
            line = y0 * np.exp(slope * (depths - x0))
            label = f"predicted $e^{{{slope:.4g}\\,l}}$"
        ax.plot(depths, line, "-", color="C3", lw=1, label=label)
        ax.axvspan(depths[keep][0], depths[keep][-1], color="0.9", zorder=0, label="fit window")
    ax.set_yscale("log")
    if law == "power":
        ax.set_xscale("log")
    ax.set_xlabel("depth $l$")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    return save_figure(fig, out, dpi=120)


def montecarlo_figure(
    result: Any, theory: dict[str, Any], names: Sequence[str], path: str | os.PathLike[str]
) -> Path:
    """Monte Carlo of random networks against the mean-field prediction, one panel per quantity.

    Parameters
    ----------
    result : asymptote.finite_width.montecarlo.MonteCarloResult
        From :func:`asymptote.finite_width.montecarlo.simulate`: ``result[name]`` is the per-layer
        (mean, standard error) pair; ``depth``, ``arch``, ``activation``, ``widths`` and
        ``samples`` go into the title.
    theory : dict
        Per-layer mean-field values by quantity name
        (:func:`asymptote.finite_width.montecarlo.mean_field_prediction`).
    names : sequence of str
        The quantities to draw, e.g. ``["p", "c", "grad_x"]``.
    path : str or path-like
        Where to write the figure (format from the suffix, PNG without one).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    names = list(names)
    if not names:
        raise ValueError("montecarlo_figure needs at least one quantity name")
    fig = new_figure(figsize=(4.2 * len(names), 3.4))
    axes = fig.subplots(1, len(names), squeeze=False)
    layers = np.arange(result.depth + 1)
    for ax, name in zip(axes[0], names, strict=False):
        mean, err = result[name]
        ax.fill_between(
            layers, mean - 2 * err, mean + 2 * err, alpha=0.3, label="Monte Carlo ±2 s.e."
        )
        ax.plot(layers, mean, "o", ms=3)
        ax.plot(layers, theory[name], "-", color="k", lw=1.2, label="mean field")
        ax.set_xlabel("layer")
        ax.set_title(name)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(
        f"{result.arch}, {result.activation}, N={result.widths[-1]}, {result.samples} networks"
    )
    fig.tight_layout()
    return save_figure(fig, path, dpi=120)
