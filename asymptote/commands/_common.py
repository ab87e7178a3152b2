"""Shared pieces of the command-line interface: parser class, activation arguments, output.

Every subcommand module in :mod:`asymptote.commands` defines ``register(subparsers)`` and uses
these helpers so that all commands print numbers the same way (decimal strings carrying the
requested digits, ``--json`` objects) and fail the same way (one line naming the parameter).
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any, NoReturn

import mpmath
import numpy as np

__all__ = [
    "Parser",
    "activation_args",
    "bound_activation",
    "emit",
    "fmt",
    "jsonable",
    "parse_number_list",
]


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, no usage dump
        self.exit(2, f"asymptote: error: {message}\n")


def fmt(value: Any, dps: int | None) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, mpmath.mpf):
        if not mpmath.isfinite(value):
            return "inf" if value > 0 else "-inf"
        return mpmath.nstr(value, dps or 17, min_fixed=-5, max_fixed=10)
    value = float(value)
    if not math.isfinite(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)


def activation_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--activation", required=True, help="registry name (see `asymptote activations`)"
    )
    p.add_argument("--alpha", help="alpha of alpha_relu (> -1/2)")
    p.add_argument("--a", help="positive-side slope of ab_relu")
    p.add_argument("--b", help="negative-side slope of ab_relu / leaky_relu")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="any other activation parameter (repeatable)",
    )
    p.add_argument("--dps", type=int, help="decimal digits (mpmath); default float64")
    p.add_argument("--json", action="store_true", help="print a JSON object")


def bound_activation(args: argparse.Namespace) -> Any:
    from ..activations import activation

    params: dict[str, object] = {}
    for name in ("alpha", "a", "b"):
        value = getattr(args, name, None)
        if value is not None:
            params[name] = value
    for item in args.param:
        if "=" not in item:
            raise ValueError(f"--param must look like NAME=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        params[key.strip()] = value.strip()
    return activation(args.activation, **params)


def emit(result: dict[str, Any], args: argparse.Namespace) -> None:
    dps = getattr(args, "dps", None)
    if args.json:
        print(json.dumps(jsonable(result, dps), indent=2))
        return
    for key, value in result.items():
        print(f"{key:>10}: {jsonable(value, dps)}")


def jsonable(value: Any, dps: int | None) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v, dps) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, dps) for v in value]
    if isinstance(value, mpmath.matrix):
        return [[fmt(value[i, j], dps) for j in range(value.cols)] for i in range(value.rows)]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist(), dps)
    if isinstance(value, (bool, int)) and not isinstance(value, bool):
        return value
    return fmt(value, dps)




def parse_number_list(text: str, name: str) -> list[str]:
    """Split ``"1,0.5,2"`` into decimal strings, rejecting empty or non-numeric items."""
    parts = [p.strip() for p in text.split(",")]
    if not parts or any(not p for p in parts):
        raise ValueError(f"{name} must be comma-separated numbers like 1,0, got {text!r}")
    for p in parts:
        try:
            float(p)
        except ValueError:
            raise ValueError(f"{name} must be comma-separated numbers, got {p!r}") from None
    return parts
