"""``asymptote spectrum``: the limiting spectrum of J J^T (free probability) [PSG17]."""

from __future__ import annotations

import argparse
from typing import Any

from .._precision import to_float
from ._common import (
    activation_args,
    add_int,
    add_number,
    add_output,
    bound_activation,
    emit,
    parse_number_list,
)

__all__ = ["register"]


def _cmd_spectrum(args: argparse.Namespace) -> None:
    from ..spectra.density import spectrum
    from ..spectra.free_probability import WEIGHT_KINDS

    act = bound_activation(args)
    if args.weights not in WEIGHT_KINDS:
        raise ValueError(f"--weights must be gaussian or orthogonal, got {args.weights!r}")
    lambdas: list[Any] = []
    if args.density:
        lambdas = parse_number_list(args.density, "--density")
        if args.dps is None:
            lambdas = [float(v) for v in lambdas]
    result = spectrum(
        act,
        args.sigma_w,
        args.sigma_b,
        depth=args.depth,
        weights=args.weights,
        order=args.moments,
        lambdas=lambdas,
        dps=args.dps,
    )
    out = result.as_dict()
    if out["q_star"] is None:
        out["q_star"] = "undetermined"
    out["atoms"] = [list(a) for a in out["atoms"]]
    out["density"] = [list(d) for d in out["density"]]
    if args.plot:
        from ..spectra.empirical import plot_spectrum

        sw = to_float(args.sigma_w, "--sigma-w")
        sb = to_float(args.sigma_b, "--sigma-b")
        out["plot"] = plot_spectrum(
            act,
            sw,
            sb,
            args.plot,
            depth=args.depth,
            weights=args.weights,
            empirical_width=args.empirical_width,
        )
    emit(out, args)


def register(subparsers: Any) -> None:
    """Add ``spectrum`` to the ``asymptote`` command line."""
    p = subparsers.add_parser(
        "spectrum", help="moments, edge, atoms and density of the spectrum of J J^T"
    )
    activation_args(p)
    add_number(p, "--sigma-w", minimum=0, required=True, help="weight standard deviation")
    add_number(p, "--sigma-b", minimum=0, required=True, help="bias standard deviation")
    add_int(p, "--depth", minimum=1, limit="kernel_depth", required=True,
            help="number of layers L >= 1")  # fmt: skip
    p.add_argument("--weights", default="gaussian", choices=("gaussian", "orthogonal"))
    add_int(p, "--moments", minimum=1, limit="moments", default=4,
            help="number of moments K (default 4)")  # fmt: skip
    p.add_argument("--density", help="comma-separated lambdas where rho(lambda) is printed")
    add_output(p, "--plot", suffixes=(".png", ".pdf", ".svg"),
               help="write the density (and a histogram) to this PNG file")  # fmt: skip
    add_int(p, "--empirical-width", minimum=2, limit="width",
            help="overlay eigenvalues of random networks of this width")  # fmt: skip
    p.set_defaults(func=_cmd_spectrum)
