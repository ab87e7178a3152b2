"""``asymptote posterior`` and ``asymptote linearization``: functional posteriors of wide networks.

``posterior`` prints the NNGP Bayesian posterior or the gradient-descent ensemble (mean and
covariance over initializations at time ``--time``) at the test inputs; ``linearization``
trains finite networks of several widths and prints the fitted width exponents.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from ._common import activation_args, bound_activation, emit, parse_number_list

__all__ = ["register"]


def _cmd_posterior(args: argparse.Namespace) -> None:
    from ..posteriors import gradient_descent_ensemble, nngp_posterior

    if args.depth < 0:
        raise ValueError(f"--depth must be >= 0, got {args.depth}")
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

    widths = [int(float(w)) for w in parse_number_list(args.widths, "--widths")]
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
    p.add_argument("--sigma-w", required=True, help="weight standard deviation")
    p.add_argument("--sigma-b", required=True, help="bias standard deviation")
    p.add_argument("--depth", type=int, required=True, help="number of nonlinearities")
    p.add_argument("--train-x", required=True, help=".npy or .csv file, one point a row")
    p.add_argument("--train-y", required=True, help=".npy or .csv file, one target a row")
    p.add_argument("--test-x", required=True, help=".npy or .csv file, one point a row")
    p.add_argument("--mode", choices=("gd", "bayes"), default="gd", help="default gd")
    p.add_argument(
        "--kernel", choices=("ntk", "nngp"), help="gd: train all layers (ntk) or the readout"
    )
    p.add_argument("--time", help="training time t >= 0 or 'inf' (default inf)")
    p.add_argument("--learning-rate", help="eta > 0 (default 1; loss (1/2n) sum (f - y)^2)")
    p.add_argument("--noise", help="bayes: observation-noise variance >= 0 (default 0)")
    p.add_argument(
        "--diag-reg", default="0", help="diagonal regularizer, relative to the mean diagonal"
    )
    p.set_defaults(func=_cmd_posterior)

    p = subparsers.add_parser(
        "linearization", help="train finite networks: distance from the linearized model vs width"
    )
    p.add_argument("--activation", default="relu", help="registry name (default relu)")
    p.add_argument("--alpha", help=argparse.SUPPRESS)
    p.add_argument("--a", help=argparse.SUPPRESS)
    p.add_argument("--b", help=argparse.SUPPRESS)
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--sigma-w", default=str(math.sqrt(2.0)), help="default sqrt(2)")
    p.add_argument("--sigma-b", default="0.1", help="default 0.1")
    p.add_argument("--depth", type=int, default=1, help="hidden layers (default 1)")
    p.add_argument("--widths", default="256,512,1024,2048,4096")
    p.add_argument("--seeds", type=int, default=8, help="initializations per width")
    p.add_argument("--steps", type=int, default=200, help="full-batch gradient-descent steps")
    p.add_argument("--learning-rate", help="step size (default n / lambda_max(NTK))")
    p.add_argument("--plot", metavar="FILE.png", help="save a log-log plot")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=_cmd_linearization)
