"""Log-log plots of long-depth trajectories with the symbolic laws overlaid (matplotlib).

The figure is a :class:`matplotlib.figure.Figure` made without pyplot (the caller's backend is
left alone) and is written atomically (:func:`asymptote.plotting.save_figure`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["plot_trajectory"]


def plot_trajectory(trajectory: Any, laws: dict[str, Any], path: str) -> None:
    """Draw p, 1 - e (or |e - e*|), s and chi^0/chi^l against l, with the leading laws.

    The format follows the suffix of ``path`` (PNG without one); the file is written
    atomically.
    """
    from .plotting import new_figure, save_figure

    try:
        fig = new_figure(figsize=(16, 3.8))
    except ImportError:  # pragma: no cover
        raise ValueError("plotting needs matplotlib: pip install 'asymptote[plot]'") from None
    layers = trajectory.layers.astype(float)
    axes = fig.subplots(1, 4)
    for ax, name in zip(axes, ("p", "e", "s", "chi"), strict=True):
        law = laws.get(name)
        if name == "e":
            limit = law.value(law.limit) if law is not None and law.limit is not None else None
            target = 0.0 if limit is None else 1.0 - float(limit)
            y = np.abs(trajectory.one_minus_e - target)
            label = "|e - e*|"
        else:
            logy = np.asarray(trajectory.series(name), dtype=float).reshape(len(layers), -1)[:, 0]
            label = {"p": "p", "s": "s", "chi": "chi^0/chi^l"}[name]
            if law is not None and law.law in ("exponential", "stretched_exponential"):
                ax.plot(layers, logy, lw=1.5, label=f"log {label}")
                if law.law == "exponential":
                    base = float(law.value())
                    ax.plot(
                        layers,
                        logy[-1] + (layers - layers[-1]) * np.log(base),
                        "k--",
                        lw=1,
                        label=f"slope log {base:.6g} (exponential)",
                    )
                ax.set_xlabel("layer l")
                ax.set_title(f"log {label}")
                ax.legend(fontsize=7)
                continue
            y = np.exp(logy)
        y = np.asarray(y, dtype=float).reshape(len(layers), -1)[:, 0]
        ax.loglog(layers, y, lw=1.5, label=label)
        if law is not None and law.law in ("power", "fixed_point_power"):
            exponent = float(law.value())
            sign = -1.0 if law.law == "fixed_point_power" else 1.0
            ref = y[-1] * (layers / layers[-1]) ** (sign * exponent)
            ax.loglog(layers, ref, "k--", lw=1, label=f"l^{sign * exponent:.4g} ({law.law})")
        elif law is not None:
            ax.plot([], [], " ", label=f"{law.law}")
        ax.set_xlabel("layer l")
        ax.set_title(label)
        ax.legend(fontsize=7)
    fig.suptitle(f"{trajectory.architecture} / {trajectory.activation!r}")
    fig.tight_layout()
    save_figure(fig, path, dpi=110)
