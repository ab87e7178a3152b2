"""Shared pieces of the command-line interface: parser class, activation arguments, output.

Every subcommand module in :mod:`asymptote.commands` defines ``register(subparsers)`` and uses
these helpers so that all commands print numbers the same way (decimal strings carrying the
requested digits, ``--json`` objects) and fail the same way (one line naming the parameter).
"""

from __future__ import annotations

import argparse
import json
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias

import mpmath
import numpy as np

from .._io import check_output_path
from .._validate import check_limit, parse_number

if TYPE_CHECKING:
    from ..activations import BoundActivation

__all__ = [
    "Parser",
    "activation_args",
    "bound_activation",
    "emit",
    "fmt",
    "jsonable",
    "add_allow_large",
    "add_dps",
    "add_int",
    "add_number",
    "add_output",
    "check_limits",
    "check_outputs",
    "number_type",
    "parse_int_list",
    "parse_number_list",
]


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, no usage dump
        line = message.splitlines()[0] if message else "bad usage"
        line = re.sub(r"^argument ([^:]+): \1 ", r"\1 ", line)  # "argument --x: --x must ..."
        self.exit(2, f"asymptote: error: {line}\n")


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


# ---------------------------------------------------------------------------------------
# typed options: parsed and range-checked by argparse, before any work
# ---------------------------------------------------------------------------------------
def number_type(
    option: str, *, minimum: float | None = None, positive: bool = False, allow_inf: bool = False
) -> Callable[[str], str]:
    """An argparse ``type`` that checks a number with :func:`~asymptote._validate.parse_number`.

    The text itself is passed on (stripped), so the library converts it exactly at the
    precision asked for; a bad value stops argparse with one line naming ``option``.
    """

    def check(text: str) -> str:
        try:
            value = parse_number(text, option, allow_inf=allow_inf)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        if positive and not value > 0:
            raise argparse.ArgumentTypeError(f"{option} must be > 0, got {text.strip()!r}")
        if minimum is not None and value < minimum:
            raise argparse.ArgumentTypeError(
                f"{option} must be >= {minimum:g}, got {text.strip()!r}"
            )
        return text.strip()

    check.__name__ = "number"
    return check


def int_type(option: str, *, minimum: int, limit: str | None = None) -> Callable[[str], int]:
    """An argparse ``type`` for integer sizes: plain digits, ``>= minimum``.

    Caps from :data:`asymptote._validate.LIMITS` are checked after parsing (so that
    ``--allow-large`` can lift them), see :func:`add_int`.
    """

    def check(text: str) -> int:
        body = text.strip()
        digits = body.lstrip("+-")
        if not digits.isdigit() or len(digits) > 18 or not digits.isascii():
            raise argparse.ArgumentTypeError(
                f"{option} must be an integer >= {minimum}, got {body[:40]!r}"
            )
        value = int(body)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{option} must be an integer >= {minimum}, got {value}")
        return value

    check.__name__ = "integer"
    return check


def add_int(
    p: argparse.ArgumentParser,
    option: str,
    *,
    minimum: int,
    limit: str | None = None,
    **kwargs: Any,
) -> None:
    """Add an integer size option; with ``limit`` its cap is checked by :func:`check_limits`."""
    dest = option.lstrip("-").replace("-", "_")
    p.add_argument(option, type=int_type(option, minimum=minimum), **kwargs)
    if limit is not None:
        _note(p, "_limits", (dest, limit, option))


def add_number(
    p: argparse.ArgumentParser,
    option: str,
    *,
    minimum: float | None = None,
    positive: bool = False,
    allow_inf: bool = False,
    **kwargs: Any,
) -> None:
    """Add a real-number option checked by :func:`number_type` (the text is kept exact)."""
    p.add_argument(
        option,
        type=number_type(option, minimum=minimum, positive=positive, allow_inf=allow_inf),
        **kwargs,
    )


def add_dps(p: argparse.ArgumentParser, *, default: int | None = None, help: str | None = None) -> None:
    """``--dps N``: decimal digits (mpmath), capped by ``LIMITS['dps']`` unless --allow-large."""
    add_int(
        p,
        "--dps",
        minimum=1,
        limit="dps",
        default=default,
        help=help or "decimal digits (mpmath); default float64",
    )


def add_output(
    p: argparse.ArgumentParser,
    option: str,
    *,
    suffixes: tuple[str, ...] = (),
    directory: bool = False,
    **kwargs: Any,
) -> None:
    """Add an output-path option; :func:`check_outputs` validates it before any work."""
    p.add_argument(option, **kwargs)
    dest = kwargs.get("dest") or option.lstrip("-").replace("-", "_")
    _note(p, "_outputs", (dest, option, suffixes, directory))
    _add_once(p, "--force", action="store_true", help="replace existing output files")


def add_allow_large(p: argparse.ArgumentParser) -> None:
    _add_once(
        p,
        "--allow-large",
        action="store_true",
        help="lift the size caps (asymptote._validate.LIMITS) on depth, widths, samples, dps",
    )


def _add_once(p: argparse.ArgumentParser, option: str, **kwargs: Any) -> None:
    if option not in p._option_string_actions:  # noqa: SLF001 (argparse has no public query)
        p.add_argument(option, **kwargs)


def _note(p: argparse.ArgumentParser, key: str, item: tuple[Any, ...]) -> None:
    items = list(p.get_default(key) or [])
    items.append(item)
    p.set_defaults(**{key: items})
    if key == "_limits":
        add_allow_large(p)


def check_limits(args: argparse.Namespace) -> None:
    """Check every capped size option of the parsed command (before any work)."""
    allow = bool(getattr(args, "allow_large", False))
    for dest, limit, option in getattr(args, "_limits", None) or []:
        value = getattr(args, dest, None)
        if value is None:
            continue
        if limit == "dps" and value > 100_000:
            raise ValueError(f"--dps must be at most 100000, got {value}")
        check_limit(value, limit, option, allow_large=allow)


def check_outputs(args: argparse.Namespace) -> None:
    """Validate every output path of the parsed command before any work starts."""
    force = bool(getattr(args, "force", False))
    for dest, option, suffixes, directory in getattr(args, "_outputs", None) or []:
        value = getattr(args, dest, None)
        if value is None or value == "-":
            continue
        check_output_path(value, option, suffixes=suffixes, force=force, directory=directory)


# ---------------------------------------------------------------------------------------
# activations: flags derived from the parameters the registry declares
# ---------------------------------------------------------------------------------------
def _activation_params() -> dict[str, list[str]]:
    """Parameter name -> the activations (families) that declare it, from the registry."""
    from ..activations import specs

    out: dict[str, list[str]] = {}
    for family, spec in sorted(specs().items()):
        for param in spec.params:
            out.setdefault(param.name, []).append(family)
    return out


def activation_args(
    p: argparse.ArgumentParser,
    *,
    default: str | None = None,
    dps: bool = True,
    json_flag: bool = True,
) -> None:
    """``--activation`` plus one ``--NAME`` flag per parameter declared in the registry."""
    from ..activations import list_activations

    names = list_activations()
    p.add_argument(
        "--activation",
        required=default is None,
        default=default,
        metavar="NAME",
        help=f"registry name: {', '.join(names)}" + (f" (default {default})" if default else ""),
    )
    for param, families in _activation_params().items():
        p.add_argument(
            f"--{param.replace('_', '-')}",
            dest=f"param_{param}",
            type=number_type(f"--{param.replace('_', '-')}"),
            help=f"parameter {param} of {', '.join(families)}",
        )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an activation parameter by name (repeatable)",
    )
    if dps:
        add_dps(p)
    if json_flag:
        p.add_argument("--json", action="store_true", help="print a JSON object")


def bound_activation(args: argparse.Namespace) -> BoundActivation:
    """The activation of ``--activation`` with its parameters (``--alpha``, ``--param a=1``, ...)."""
    from ..activations import activation

    params: dict[str, object] = {}
    for param in _activation_params():
        value = getattr(args, f"param_{param}", None)
        if value is not None:
            params[param] = value
    for item in args.param:
        if "=" not in item:
            raise ValueError(f"--param must look like NAME=VALUE, got {item[:40]!r}")
        key, value = (part.strip() for part in item.split("=", 1))
        if key in params:
            raise ValueError(f"parameter {key!r} given twice (--{key} and --param)")
        if not key:
            raise ValueError(f"--param must look like NAME=VALUE, got {item[:40]!r}")
        parse_number(value, f"--param {key}")
        params[key] = value
    return activation(args.activation, **params)


def emit(result: dict[str, Any], args: argparse.Namespace) -> None:
    dps = getattr(args, "dps", None)
    if args.json:
        print(json.dumps(jsonable(result, dps), indent=2))
        return
    for key, value in result.items():
        print(f"{key:>10}: {jsonable(value, dps)}")


#: What :func:`jsonable` returns: numbers as decimal strings (ints as ints), containers as lists
#: and dicts, so that ``json.dumps`` writes it unchanged.
Jsonable: TypeAlias = "dict[Any, Jsonable] | list[Jsonable] | int | str"


def jsonable(value: Any, dps: int | None) -> Jsonable:
    """``value`` with every number formatted by :func:`fmt` (ndarray, mpmath matrix: lists)."""
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




#: Most items accepted in one comma-separated option (a vector, a list of widths, lambdas).
MAX_LIST_ITEMS = 10_000


def _split(text: str, name: str, example: str) -> list[str]:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) > MAX_LIST_ITEMS:
        raise ValueError(f"{name} has {len(parts)} items; at most {MAX_LIST_ITEMS} are accepted")
    if any(not p for p in parts):
        raise ValueError(f"{name} must be comma-separated {example}, got {text[:60]!r}")
    return parts


def parse_number_list(text: str, name: str) -> list[str]:
    """Split ``"1,0.5,2"`` into decimal strings, each checked by the strict number parser."""
    parts = _split(text, name, "numbers like 1,0")
    for p in parts:
        parse_number(p, name)
    return parts


def parse_int_list(text: str, name: str, *, minimum: int = 1) -> list[int]:
    """Split ``"10,20,30"`` into integers ``>= minimum`` (plain digits only)."""
    parts = _split(text, name, "integers like 10,20,30")
    out = []
    for i, p in enumerate(parts):
        digits = p.lstrip("+")
        if not digits.isdigit() or not digits.isascii() or len(digits) > 18:
            raise ValueError(
                f"{name}[{i}] must be an integer (comma-separated like 10,20,30), got {p[:40]!r}"
            )
        value = int(digits)
        if value < minimum:
            raise ValueError(f"{name}[{i}] must be an integer >= {minimum}, got {value}")
        out.append(value)
    return out
