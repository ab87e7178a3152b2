"""Command-line interface: ``asymptote SUBCOMMAND ...`` (see ``asymptote --help``).

Every subcommand accepts ``--json``; numbers are printed as decimal strings carrying the
requested digits (``--dps N``) or float64's 17 significant digits. Bad input exits with
status 2 and a one-line message naming the parameter.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
from collections.abc import Sequence
from typing import Any

from .commands import COMMAND_MODULES
from .commands._common import (
    Parser,
    activation_args,
    bound_activation,
    emit,
    parse_number_list,
)
from .errors import ConvergenceError

__all__ = ["main"]


def _cmd_activations(args: argparse.Namespace) -> None:
    from .activations import presets, specs

    rows: list[dict[str, Any]] = []
    for name, spec in sorted(specs().items()):
        rows.append(
            {
                "name": name,
                "family": name,
                "description": spec.description,
                "params": {p.name: str(p.domain) for p in spec.params},
                "closed_forms": sorted(spec.symbolic_forms),
                "references": list(spec.references),
            }
        )
    for name, preset in sorted(presets().items()):
        spec = specs()[preset.family]
        rows.append(
            {
                "name": name,
                "family": preset.family,
                "description": preset.description,
                "params": {
                    p.name: str(p.domain) for p in spec.params if p.name not in preset.fixed
                },
                "closed_forms": sorted(spec.symbolic_forms),
                "references": list(spec.references),
            }
        )
    rows.sort(key=lambda r: r["name"])
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    for r in rows:
        params = ", ".join(f"{k} in {v}" for k, v in r["params"].items())
        family = "" if r["family"] == r["name"] else f" [{r['family']}]"
        print(
            f"{r['name']:<11}{family:<14} {r['description']}" + (f"  ({params})" if params else "")
        )


def _cmd_fixed_point(args: argparse.Namespace) -> None:
    from .feedforward import mean_field

    act = bound_activation(args)
    point = mean_field(act, args.sigma_w, args.sigma_b, dps=args.dps)
    emit(point.as_dict(), args)


def _cmd_critical(args: argparse.Namespace) -> None:
    from .feedforward import critical_point

    act = bound_activation(args)
    sigma_w, q_star = critical_point(act, args.sigma_b, dps=args.dps)
    emit({"sigma_w": sigma_w, "q_star": q_star}, args)


def _cmd_kernel(args: argparse.Namespace) -> None:
    from .kernels import nngp_ntk

    act = bound_activation(args)
    x1 = parse_number_list(args.x1, "--x1")
    x2 = parse_number_list(args.x2, "--x2")
    if len(x1) != len(x2):
        raise ValueError(f"--x1 and --x2 need the same dimension, got {len(x1)} and {len(x2)}")
    points = [x1, x2]
    if args.dps is None:
        data: Any = [[float(v) for v in row] for row in points]
    else:
        data = points
    if args.depth < 0:
        raise ValueError(f"--depth must be >= 0, got {args.depth}")
    pair = nngp_ntk(act, args.sigma_w, args.sigma_b, data, depth=args.depth, dps=args.dps)
    emit({"nngp": pair.nngp, "ntk": pair.ntk}, args)


def _cmd_cite(args: argparse.Namespace) -> None:
    from .references import REFERENCES, cite

    keys = args.keys or sorted(REFERENCES)
    for key in keys:
        print(f"[{key}] {cite(key)}")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="asymptote", description="Mean-field theory of deep networks at initialization."
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = sub.add_parser("activations", help="list the activation registry")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_activations)

    p = sub.add_parser("fixed-point", help="q*, c*, chi_1, chi_c, depth scales and phase")
    activation_args(p)
    p.add_argument("--sigma-w", required=True, help="weight standard deviation")
    p.add_argument("--sigma-b", required=True, help="bias standard deviation")
    p.set_defaults(func=_cmd_fixed_point)

    p = sub.add_parser("critical", help="sigma_w and q* on the critical line chi_1 = 1")
    activation_args(p)
    p.add_argument("--sigma-b", required=True, help="bias standard deviation")
    p.set_defaults(func=_cmd_critical)

    p = sub.add_parser("kernel", help="NNGP and NTK of two inputs through a deep network")
    activation_args(p)
    p.add_argument("--sigma-w", required=True)
    p.add_argument("--sigma-b", required=True)
    p.add_argument("--depth", type=int, required=True, help="number of nonlinearities")
    p.add_argument("--x1", required=True, help="first input, e.g. 1,0")
    p.add_argument("--x2", required=True, help="second input, e.g. 0.6,0.8")
    p.set_defaults(func=_cmd_kernel)

    p = sub.add_parser("cite", help="print bibliography entries")
    p.add_argument("keys", nargs="*")
    p.set_defaults(func=_cmd_cite)

    from .commands.claims import add_verify_parser

    add_verify_parser(sub)

    for name in COMMAND_MODULES:  # one module per subject area, each adds its subcommands
        module_name = f"{__package__}.commands.{name}"
        if importlib.util.find_spec(module_name) is not None:
            importlib.import_module(module_name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except (ValueError, TypeError, ConvergenceError, OverflowError, KeyError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"asymptote: error: {message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
