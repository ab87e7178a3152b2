"""Subcommands ``finite-width`` (exact moments of the output length, FM1/FM2) and
``montecarlo`` (simulated random networks vs the mean-field prediction)."""

from __future__ import annotations

import argparse
import json
from typing import Any

import mpmath
import sympy

from ._common import activation_args, bound_activation, emit, jsonable

__all__ = ["register"]


def _int_list(text: str, name: str) -> list[int]:
    parts = [p.strip() for p in text.split(",")]
    out = []
    for p in parts:
        if not p or not p.lstrip("-").isdigit():
            raise ValueError(f"{name} must be comma-separated integers like 10,20,30, got {text!r}")
        out.append(int(p))
    return out


def _exact_entry(value: sympy.Expr, dps: int | None) -> dict[str, str]:
    digits = dps or 17
    with mpmath.workdps(digits):
        decimal = mpmath.nstr(mpmath.mpf(sympy.Float(value, digits + 5)._mpf_), digits)
    return {"exact": str(value), "decimal": decimal}


def _cmd_finite_width(args: argparse.Namespace) -> None:
    from ..finite_width.moments import check_widths, failure_modes, output_length_moments

    widths = check_widths(_int_list(args.widths, "--widths"), "--widths")
    moments = output_length_moments(
        widths,
        args.sigma_w,
        args.sigma_b,
        input_length=args.input_length,
        input_width=args.input_width,
        weight_kurtosis=args.weight_kurtosis,
        readout=args.readout,
        exact=True,
    )
    result: dict[str, Any] = {"widths": list(widths)}
    for key in ("mean", "second_moment", "variance", "ratio"):
        result[key] = _exact_entry(getattr(moments, key), args.dps)
    fm = failure_modes(widths, args.sigma_w, readout=args.readout, dps=args.dps)
    result["failure_modes"] = fm.as_dict()
    result["failure_modes"]["note"] = (
        "Gaussian weights, no biases: E[M_d]/M_0 = prod sigma_w^2/2 (FM1); "
        "E[M_d^2]/E[M_d]^2 = prod (1 + 5/n_j) (FM2)"
    )
    emit(result, args)


def _cmd_montecarlo(args: argparse.Namespace) -> None:
    import numpy as np

    from ..numeric.montecarlo import mean_field_prediction, simulate

    act = bound_activation(args)
    widths = _int_list(args.widths, "--widths")
    width: Any = widths[0] if len(widths) == 1 else widths
    depth = args.depth if args.depth is not None else (len(widths) if len(widths) > 1 else None)
    if depth is None:
        raise ValueError("--depth is required when --widths is a single width")
    extra: dict[str, Any] = {}
    if args.arch in ("frn", "scaled"):
        extra = {"sigma_v": float(args.sigma_v), "sigma_a": float(args.sigma_a)}
    if args.arch == "scaled":
        extra["eta"] = float(args.eta)
    result = simulate(
        args.arch,
        act,
        width,
        depth,
        float(args.sigma_w),
        float(args.sigma_b),
        samples=args.samples,
        seed=args.seed,
        progress=args.progress,
        **extra,
    )
    theory = mean_field_prediction(
        args.arch, act, width, depth, float(args.sigma_w), float(args.sigma_b), **extra
    )
    names = [q.strip() for q in args.quantities.split(",")]
    out: dict[str, Any] = {
        "arch": args.arch,
        "activation": act.name,
        "widths": list(result.widths),
        "samples": args.samples,
        "seed": args.seed,
    }
    for name in names:
        mean, err = result[name]
        out[name] = {
            "mean": mean,
            "stderr": err,
            "mean_field": theory[name],
            "z": np.where(err > 0, (mean - theory[name]) / np.where(err > 0, err, 1), 0.0),
        }
    if args.plot:
        _plot(args.plot, result, theory, names)
        out["plot"] = args.plot
    if args.json:
        print(json.dumps(jsonable(out, None), indent=2))
        return
    for name in names:
        print(f"{name}:")
        for l, (m, e, t) in enumerate(
            zip(out[name]["mean"], out[name]["stderr"], out[name]["mean_field"], strict=False)
        ):
            print(f"  layer {l:>4}: {m:.6g} +- {e:.2g}   mean field {t:.6g}")


def _plot(path: str, result: Any, theory: dict[str, Any], names: list[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.4), squeeze=False)
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
    fig.savefig(path, dpi=120)
    plt.close(fig)


def register(subparsers: Any) -> None:
    """Add ``finite-width`` and ``montecarlo`` to the ``asymptote`` command line."""
    p = subparsers.add_parser(
        "finite-width", help="exact moments of ||x^d||^2/n_d of a ReLU net; FM1/FM2"
    )
    p.add_argument("--widths", required=True, help="hidden widths n_1..n_d, e.g. 10,20,30,40")
    p.add_argument(
        "--sigma-w", default="sqrt(2)", help="weight std times sqrt(fan-in) (default sqrt(2), He)"
    )
    p.add_argument("--sigma-b", default="0", help="bias standard deviation (default 0)")
    p.add_argument("--input-length", default="1", help="M_0 = ||x^0||^2/n_0 (default 1)")
    p.add_argument("--input-width", type=int, help="n_0 (needed with --weight-kurtosis != 3)")
    p.add_argument("--weight-kurtosis", default="3", help="E[w^4]/E[w^2]^2 (3 = Gaussian)")
    p.add_argument("--readout", default="relu", choices=["relu", "linear"])
    p.add_argument("--dps", type=int, help="digits of the decimal strings (default 17)")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=_cmd_finite_width)

    p = subparsers.add_parser(
        "montecarlo", help="simulate random networks; mean field vs Monte Carlo"
    )
    activation_args(p)
    p.add_argument("--arch", required=True, choices=["feedforward", "rrn", "frn", "scaled"])
    p.add_argument("--widths", required=True, help="one width, or n_1..n_L (feedforward)")
    p.add_argument("--depth", type=int, help="number of layers (default: number of widths)")
    p.add_argument("--sigma-w", default="1.4142135623730951")
    p.add_argument("--sigma-b", default="0")
    p.add_argument("--sigma-v", default="1", help="branch read-out std (frn, scaled)")
    p.add_argument("--sigma-a", default="0", help="branch read-out bias std (frn, scaled)")
    p.add_argument("--eta", default="1", help="branch scale (scaled)")
    p.add_argument("--samples", type=int, default=100, help="number of networks")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--quantities",
        default="p,c,grad_x",
        help="comma-separated, e.g. p,q,c,distance,grad_x,grad_w",
    )
    p.add_argument("--plot", help="write a PNG of theory vs simulation with error bands")
    p.add_argument("--progress", action="store_true", help="progress line on stderr")
    p.set_defaults(func=_cmd_montecarlo)
