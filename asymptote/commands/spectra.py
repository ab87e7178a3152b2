"""``asymptote spectrum``: the limiting spectrum of J J^T (free probability) [PSG17]."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import activation_args, bound_activation, emit, parse_number_list

__all__ = ["register"]


def _cmd_spectrum(args: argparse.Namespace) -> None:
    from ..spectra.density import spectrum
    from ..spectra.free_probability import WEIGHT_KINDS

    act = bound_activation(args)
    if args.depth < 1:
        raise ValueError(f"--depth must be an int >= 1, got {args.depth}")
    if args.weights not in WEIGHT_KINDS:
        raise ValueError(f"--weights must be gaussian or orthogonal, got {args.weights!r}")
    if not 1 <= args.moments <= 200:
        raise ValueError(f"--moments must be from 1 to 200, got {args.moments}")
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

        if args.empirical_width is not None and not 2 <= args.empirical_width <= 4096:
            raise ValueError(
                f"--empirical-width must be from 2 to 4096, got {args.empirical_width}"
            )
        sw = float(args.sigma_w)
        sb = float(args.sigma_b)
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
    p.add_argument("--sigma-w", required=True, help="weight standard deviation")
    p.add_argument("--sigma-b", required=True, help="bias standard deviation")
    p.add_argument("--depth", type=int, required=True, help="number of layers L >= 1")
    p.add_argument("--weights", default="gaussian", help="gaussian or orthogonal")
    p.add_argument("--moments", type=int, default=4, help="number of moments K (default 4)")
    p.add_argument("--density", help="comma-separated lambdas where rho(lambda) is printed")
    p.add_argument("--plot", help="write the density (and a histogram) to this PNG file")
    p.add_argument(
        "--empirical-width", type=int, help="overlay eigenvalues of random networks of this width"
    )
    p.set_defaults(func=_cmd_spectrum)
