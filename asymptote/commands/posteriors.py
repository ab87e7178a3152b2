"""``asymptote posterior`` and ``asymptote linearization``: functional posteriors of wide networks.

``posterior`` prints the NNGP Bayesian posterior or the gradient-descent ensemble (mean and
covariance over initializations at time ``--time``) at the test inputs; ``linearization``
trains finite networks of several widths and prints the fitted width exponents.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from .._validate import check_limit
from ._common import (
    activation_args,
    add_int,
    add_number,
    add_output,
    bound_activation,
    emit,
    parse_int_list,
)

__all__ = ["register"]


def _cmd_posterior(args: argparse.Namespace) -> None:
    from ..posteriors import gradient_descent_ensemble, nngp_posterior

    act = bound_activation(args)
    data = (args.train_x, args.train_y, args.test_x)
    if args.mode == "bayes":
        if args.kernel == "ntk":
            raise ValueError("--kernel ntk needs --mode gd (the Bayesian posterior uses the NNGP)")
        if args.time is not None or args.learning_rate is not None:
            raise ValueError("--time and --learning-rate apply to --mode gd only")
        post = nngp_posterior(
            act, args.sigma_w, args.sigma_b, *data, depth=args.depth,
            noise=args.noise or "0", diag_reg=args.diag_reg, dps=args.dps,
        )  # fmt: skip
    else:
        if args.noise is not None:
            raise ValueError("--noise applies to --mode bayes only (use --diag-reg with gd)")
        post = gradient_descent_ensemble(
            act, args.sigma_w, args.sigma_b, *data, depth=args.depth,
            kernel=args.kernel or "ntk", time=args.time or "inf",
            learning_rate=args.learning_rate or "1", diag_reg=args.diag_reg, dps=args.dps,
        )  # fmt: skip
    result = post.as_dict()
    result = {k: v for k, v in result.items() if v is not None}
    emit(result, args)


def _cmd_linearization(args: argparse.Namespace) -> None:
    from ..linearization import linearization_check, plot_linearization

    widths = parse_int_list(args.widths, "--widths")
    for w in widths:
        check_limit(w, "width", "--widths", allow_large=args.allow_large)
    work = max(widths) ** 2 * args.depth * args.seeds * args.steps * len(widths)
    check_limit(work, "network_work", "width^2 x depth x seeds x steps x widths",
                allow_large=args.allow_large)  # fmt: skip
    res = linearization_check(
        bound_activation(args), args.sigma_w, args.sigma_b, depth=args.depth, widths=widths,
        seeds=args.seeds, steps=args.steps, learning_rate=args.learning_rate,
    )  # fmt: skip
    if args.plot:
        plot_linearization(res, args.plot)
    out: dict[str, Any] = res.as_dict()
    if not args.json:
        cfg = out["config"]
        print(
            f"{cfg['activation']} depth {cfg['depth']}, {cfg['steps']} steps of "
            f"eta = {cfg['learning_rate']:.4g} (t = {cfg['time']:.4g}), {cfg['seeds']} seeds; "
            f"train loss {cfg['train_loss_initial']:.3g} -> {cfg['train_loss_final']:.3g}"
        )
        print(f"{'width':>8} " + " ".join(f"{m:>28}" for m in ("parameter_change",
              "distance_ntk", "distance_linearized")))  # fmt: skip
        for i, w in enumerate(out["widths"]):
            cells = []
            for m in ("parameter_change", "distance_ntk", "distance_linearized"):
                mean, err = out[m]["mean"][i], out[m]["standard_error"][i]
                cells.append(f"{mean:.4g} +- {err:.2g}".rjust(28))
            print(f"{w:>8} " + " ".join(cells))
        print(f"{'exponent':>8} " + " ".join(
            f"{out[m]['fit']['exponent']:.3f} +- {out[m]['fit']['standard_error']:.3f}".rjust(28)
            for m in ("parameter_change", "distance_ntk", "distance_linearized")
        ))  # fmt: skip
        layers = ", ".join(
            f"{f['exponent']:.3f} +- {f['standard_error']:.3f}" for f in out["layer_change_fits"]
        )
        print(f"per-layer weight change exponents: {layers}")
        return
    emit(out, args)


def register(subparsers: Any) -> None:
    """Add ``posterior`` and ``linearization`` to the ``asymptote`` command line."""
    p = subparsers.add_parser(
        "posterior", help="NNGP Bayesian posterior or gradient-descent ensemble at test inputs"
    )
    activation_args(p)
    add_number(p, "--sigma-w", minimum=0, required=True, help="weight standard deviation")
    add_number(p, "--sigma-b", minimum=0, required=True, help="bias standard deviation")
    add_int(p, "--depth", minimum=0, limit="kernel_depth", required=True,
            help="number of nonlinearities")  # fmt: skip
    p.add_argument("--train-x", required=True, help=".npy or .csv file, one point a row")
    p.add_argument("--train-y", required=True, help=".npy or .csv file, one target a row")
    p.add_argument("--test-x", required=True, help=".npy or .csv file, one point a row")
    p.add_argument("--mode", choices=("gd", "bayes"), default="gd", help="default gd")
    p.add_argument(
        "--kernel", choices=("ntk", "nngp"), help="gd: train all layers (ntk) or the readout"
    )
    add_number(p, "--time", minimum=0, allow_inf=True,
               help="training time t >= 0 or 'inf' (default inf)")  # fmt: skip
    add_number(p, "--learning-rate", positive=True,
               help="eta > 0 (default 1; loss (1/2n) sum (f - y)^2)")  # fmt: skip
    add_number(p, "--noise", minimum=0, help="bayes: observation-noise variance >= 0 (default 0)")
    add_number(p, "--diag-reg", minimum=0, default="0",
               help="diagonal regularizer, relative to the mean diagonal")  # fmt: skip
    p.set_defaults(func=_cmd_posterior)

    p = subparsers.add_parser(
        "linearization", help="train finite networks: distance from the linearized model vs width"
    )
    activation_args(p, default="relu", dps=False)
    add_number(p, "--sigma-w", minimum=0, default=str(math.sqrt(2.0)), help="default sqrt(2)")
    add_number(p, "--sigma-b", minimum=0, default="0.1", help="default 0.1")
    add_int(p, "--depth", minimum=1, limit="kernel_depth", default=1,
            help="hidden layers (default 1)")  # fmt: skip
    p.add_argument("--widths", default="256,512,1024,2048,4096")
    add_int(p, "--seeds", minimum=2, limit="seeds", default=8, help="initializations per width")
    add_int(p, "--steps", minimum=1, limit="steps", default=200,
            help="full-batch gradient-descent steps")  # fmt: skip
    add_number(p, "--learning-rate", positive=True, help="step size (default n / lambda_max(NTK))")
    add_output(p, "--plot", suffixes=(".png", ".pdf", ".svg"), metavar="FILE.png",
               help="save a log-log plot")  # fmt: skip
    p.set_defaults(func=_cmd_linearization)
