r"""Figures (matplotlib, an optional extra imported lazily inside each function).

* :func:`phase_diagram`: order/chaos in the :math:`(\sigma_w, \sigma_b)` plane of a
  feedforward activation, coloured by :math:`\ln\chi_1`, with the critical line
  :math:`\chi_1 = 1` and contours of the depth scale :math:`\xi_c` [PLRSG16, Fig. 2;
  SGGS17, Fig. 1].
* :func:`exponent_fit_figure`: a depth trajectory on semi-log (exponential law) or log-log
  (power law) axes with the predicted law overlaid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["phase_grid", "phase_diagram", "exponent_fit_figure"]


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ImportError(
            "plotting needs matplotlib: python -m pip install 'asymptote[plot]' "
            "(or pip install matplotlib)"
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


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
    plt = _pyplot()
    from matplotlib.colors import TwoSlopeNorm

    sw, sb, chi, xi = grid["sigma_w"], grid["sigma_b"], grid["chi_1"], grid["xi_c"]
    log_chi = np.log(np.where(chi > 0, chi, np.nan))
    bound = max(float(np.nanmax(np.abs(log_chi))) if np.isfinite(log_chi).any() else 1.0, 1e-3)
    fig, ax = plt.subplots(figsize=(6.4, 4.6), dpi=120)
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
    fig.savefig(out)
    plt.close(fig)
    return out


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
    plt = _pyplot()
    depths = np.asarray(depths, dtype=float)
    values = np.asarray(values, dtype=float)
    keep = (values > 0) & (values >= window[0]) & (values <= window[1])
    fig, ax = plt.subplots(figsize=(6.0, 4.2), dpi=120)
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
    fig.savefig(out)
    plt.close(fig)
    return out
