"""Subcommands ``finite-width`` (exact moments of the output length, FM1/FM2) and
``montecarlo`` (simulated random networks vs the mean-field prediction)."""

from __future__ import annotations

import argparse
import json
from typing import Any

import mpmath
import sympy

from .._precision import to_float
from .._validate import check_limit
from ..finite_width.montecarlo import QUANTITIES, architectures
from ._common import (
    activation_args,
    add_allow_large,
    add_dps,
    add_int,
    add_number,
    add_output,
    bound_activation,
    emit,
    jsonable,
    parse_int_list,
)

__all__ = ["register"]


def _exact_entry(value: sympy.Expr, dps: int | None) -> dict[str, str]:
    digits = dps or 17
    with mpmath.workdps(digits):
        decimal = mpmath.nstr(mpmath.mpf(sympy.Float(value, digits + 5)._mpf_), digits)
    return {"exact": str(value), "decimal": decimal}


def _cmd_finite_width(args: argparse.Namespace) -> None:
    from ..finite_width.moments import check_widths, failure_modes, output_length_moments

    widths = check_widths(parse_int_list(args.widths, "--widths"), "--widths")
    check_limit(len(widths), "widths", "number of --widths", allow_large=args.allow_large)
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

    from ..finite_width.montecarlo import architecture_options, mean_field_prediction, simulate

    act = bound_activation(args)
    widths = parse_int_list(args.widths, "--widths")
    for w in widths:
        check_limit(w, "width", "--widths", allow_large=args.allow_large)
    width: Any = widths[0] if len(widths) == 1 else widths
    depth = args.depth if args.depth is not None else (len(widths) if len(widths) > 1 else None)
    if depth is None:
        raise ValueError("--depth is required when --widths is a single width")
    check_limit(depth, "kernel_depth", "--depth", allow_large=args.allow_large)
    check_limit(max(widths) ** 2 * depth * args.samples, "network_work",
                "width^2 x depth x samples", allow_large=args.allow_large)  # fmt: skip
    names = [q.strip() for q in args.quantities.split(",")]
    unknown = sorted(set(names) - set(QUANTITIES))
    if unknown:
        raise ValueError(f"--quantities must be among {','.join(QUANTITIES)}, got {unknown[0]!r}")
    extra: dict[str, Any] = {
        name: to_float(getattr(args, name), "--" + name.replace("_", "-"))
        for name in architecture_options(args.arch)
    }
    result = simulate(
        args.arch,
        act,
        to_float(args.sigma_w, "--sigma-w"),
        to_float(args.sigma_b, "--sigma-b"),
        width=width,
        depth=depth,
        samples=args.samples,
        seed=args.seed,
        progress=args.progress,
        **extra,
    )
    theory = mean_field_prediction(
        args.arch, act, to_float(args.sigma_w, "--sigma-w"), to_float(args.sigma_b, "--sigma-b"),
        width=width, depth=depth, **extra,
    )  # fmt: skip
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
        from ..plotting import montecarlo_figure

        montecarlo_figure(result, theory, names, args.plot)
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
    add_int(p, "--input-width", minimum=1, help="n_0 (needed with --weight-kurtosis != 3)")
    p.add_argument("--weight-kurtosis", default="3", help="E[w^4]/E[w^2]^2 (3 = Gaussian)")
    p.add_argument("--readout", default="relu", choices=["relu", "linear"])
    add_dps(p, help="digits of the decimal strings (default 17)")
    add_allow_large(p)
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=_cmd_finite_width)

    p = subparsers.add_parser(
        "montecarlo", help="simulate random networks; mean field vs Monte Carlo"
    )
    activation_args(p, dps=False)
    p.add_argument("--arch", required=True, choices=list(architectures()))
    p.add_argument("--widths", required=True, help="one width, or n_1..n_L (feedforward)")
    add_int(p, "--depth", minimum=1, help="number of layers (default: number of widths)")
    add_number(p, "--sigma-w", minimum=0, default="1.4142135623730951")
    add_number(p, "--sigma-b", minimum=0, default="0")
    add_number(p, "--sigma-v", minimum=0, default="1", help="branch read-out std (architectures that declare it)")
    add_number(p, "--sigma-a", minimum=0, default="0", help="branch read-out bias std (architectures that declare it)")
    add_number(p, "--eta", minimum=0, default="1", help="per-layer branch scale (scaled architectures)")
    add_int(p, "--samples", minimum=2, limit="samples", default=100, help="number of networks")
    add_int(p, "--seed", minimum=0, default=0)
    add_allow_large(p)
    p.add_argument(
        "--quantities",
        default="p,c,grad_x",
        help="comma-separated, e.g. p,q,c,distance,grad_x,grad_w",
    )
    add_output(p, "--plot", suffixes=(".png", ".pdf", ".svg"),
               help="write a PNG of theory vs simulation with error bands")  # fmt: skip
    p.add_argument("--progress", action="store_true", help="progress line on stderr")
    p.set_defaults(func=_cmd_montecarlo)
