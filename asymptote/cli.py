"""Command-line interface: ``asymptote SUBCOMMAND ...`` (see ``asymptote --help``).

Every subcommand accepts ``--json``; numbers are printed as decimal strings carrying the
requested digits (``--dps N``) or float64's 17 significant digits. Bad input exits with
status 2 and a one-line message naming the parameter.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import importlib
import importlib.util
import json
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

from .commands import COMMAND_MODULES
from .commands._common import (
    Parser,
    activation_args,
    add_int,
    add_number,
    bound_activation,
    check_limits,
    check_outputs,
    emit,
    parse_number_list,
)

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
    if args.certify:
        _certified(act, args, sigma_w=args.sigma_w)
        return
    point = mean_field(act, args.sigma_w, args.sigma_b, dps=args.dps)
    emit(point.as_dict(), args)


def _cmd_critical(args: argparse.Namespace) -> None:
    from .feedforward import critical_point

    act = bound_activation(args)
    if args.certify:
        _certified(act, args, sigma_w=None)
        return
    sigma_w, q_star = critical_point(act, args.sigma_b, dps=args.dps)
    emit({"sigma_w": sigma_w, "q_star": q_star}, args)


def _certified(act: Any, args: argparse.Namespace, *, sigma_w: Any) -> None:
    """``--certify``: balls proven to contain q*, chi_1 (or sigma_w, q* on the critical line)."""
    from .certify import certified_report, certify_chi_1, certify_critical_point

    dps = args.dps or 30
    if not args.json:
        print(certified_report(act, sigma_w=sigma_w, sigma_b=args.sigma_b, dps=dps))
        return
    if sigma_w is None:
        names, balls = ("sigma_w", "q_star"), certify_critical_point(act, args.sigma_b, dps)
    else:
        names, balls = ("q_star", "chi_1"), certify_chi_1(act, sigma_w, args.sigma_b, dps)
    shown = {n: dict(zip(("value", "radius"), b.shown(), strict=True))
             for n, b in zip(names, balls, strict=True)}  # fmt: skip
    print(json.dumps(shown, indent=2))


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
    add_number(p, "--sigma-w", minimum=0, required=True, help="weight standard deviation")
    add_number(p, "--sigma-b", minimum=0, required=True, help="bias standard deviation")
    p.add_argument("--certify", action="store_true",
                   help="print balls proven to contain the values (Arb interval Newton; "
                   "needs python-flint: pip install asymptote[certify])")  # fmt: skip
    p.set_defaults(func=_cmd_fixed_point)

    p = sub.add_parser("critical", help="sigma_w and q* on the critical line chi_1 = 1")
    activation_args(p)
    add_number(p, "--sigma-b", minimum=0, required=True, help="bias standard deviation")
    p.add_argument("--certify", action="store_true",
                   help="print balls proven to contain the values (Arb interval Newton; "
                   "needs python-flint: pip install asymptote[certify])")  # fmt: skip
    p.set_defaults(func=_cmd_critical)

    p = sub.add_parser("kernel", help="NNGP and NTK of two inputs through a deep network")
    activation_args(p)
    add_number(p, "--sigma-w", minimum=0, required=True, help="weight standard deviation")
    add_number(p, "--sigma-b", minimum=0, required=True, help="bias standard deviation")
    add_int(p, "--depth", minimum=0, limit="kernel_depth", required=True,
            help="number of nonlinearities")  # fmt: skip
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


#: Exit statuses: bad input, a computation or file that failed, interrupted by the user.
EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 2, 1, 130, 141


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}"
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _fail(message: str, status: int) -> int:
    print(f"asymptote: error: {message}", file=sys.stderr)
    return status


@contextlib.contextmanager
def _quiet_numerics() -> Iterator[None]:
    """numpy floating-point warnings never reach the terminal: results are checked instead."""
    import numpy as np

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``asymptote`` with ``argv``; return the exit status (never raises, never a traceback).

    Exit statuses: 0 success; 1 a claim, a file operation or an external tool failed; 2 bad
    input, or inputs for which the quantity does not exist (one line naming the parameter);
    130 interrupted; 141 output pipe closed. Set
    ``ASYMPTOTE_DEBUG=1`` to see the traceback of an unexpected error.
    """
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        check_limits(args)
        check_outputs(args)
        with _quiet_numerics():
            args.func(args)
        sys.stdout.flush()
    except SystemExit as exc:  # argparse errors and verify's failed-claims status
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)  # silence the flush at interpreter exit
        os.dup2(devnull, sys.stdout.fileno())
        return _fail("output pipe closed before all output was written", EXIT_BROKEN_PIPE)
    except MemoryError:
        return _fail("out of memory: ask for smaller sizes (depth, widths, samples)", EXIT_FAILED)
    except RecursionError:
        return _fail("input too deeply nested or too large", EXIT_BAD_INPUT)
    except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
        # ArithmeticError includes ConvergenceError: no answer exists for these inputs
        return _fail(_one_line(exc), EXIT_BAD_INPUT)
    except (OSError, RuntimeError, ImportError, csv.Error) as exc:
        return _fail(_one_line(exc), EXIT_FAILED)
    except Exception as exc:  # a bug: say so in one line, traceback on request
        if os.environ.get("ASYMPTOTE_DEBUG"):
            raise
        return _fail(
            f"internal error ({type(exc).__name__}: {_one_line(exc)}); "
            "set ASYMPTOTE_DEBUG=1 for the traceback and please report it",
            EXIT_FAILED,
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
