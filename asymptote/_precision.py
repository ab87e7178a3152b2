"""Precision handling: exact conversion of user input and local mpmath contexts.

A library call never changes the global ``mpmath.mp`` precision; every high-precision
routine runs inside :func:`workdps` with a few guard digits and rounds its result to the
requested number of digits on the way out.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction
from numbers import Integral, Real
from typing import Any

import mpmath
import numpy as np

from ._validate import is_number_text, parse_number, show_value, to_fraction

__all__ = [
    "GUARD_DIGITS",
    "MAX_FLOAT64_SIGMA",
    "check_dps",
    "check_float64_square",
    "round_mpf",
    "to_float",
    "to_mpf",
    "workdps",
]

#: Extra decimal digits carried internally beyond the requested ``dps``.
GUARD_DIGITS = 12

#: Largest standard deviation whose square is a finite float64 (about 1.34e154).
MAX_FLOAT64_SIGMA = math.sqrt(sys.float_info.max)


def check_dps(dps: object) -> int:
    """Validate a requested number of decimal digits (an int from 1 to 100000)."""
    if isinstance(dps, bool) or not isinstance(dps, Integral):
        raise TypeError(f"dps must be an int or None, got {type(dps).__name__} {dps!r}")
    if not 1 <= int(dps) <= 100_000:
        raise ValueError(f"dps must be between 1 and 100000, got {dps}")
    return int(dps)


@contextmanager
def workdps(dps: int, guard: int = GUARD_DIGITS) -> Iterator[None]:
    """Run a block at ``dps + guard`` decimal digits, restoring the caller's precision."""
    with mpmath.workdps(dps + guard):
        yield


def round_mpf(value: mpmath.mpf, dps: int) -> mpmath.mpf:
    """Round an mpf to ``dps`` decimal digits (as ``+value`` inside ``workdps(dps)``)."""
    with mpmath.workdps(dps):
        return +value



def _parse_text(value: str, name: str, not_a_number: str) -> Fraction:
    """Exact value of number text (strict grammar of :mod:`asymptote._validate`, no eval).

    Text that is no number at all raises ``TypeError(not_a_number)``; a number out of range
    (``"1e99999"``, ``"nan"``, ``"inf"``, ``"1/0"``) raises ``ValueError`` naming ``name``.
    """
    try:
        out = parse_number(value, name)
    except ValueError:
        if is_number_text(value):
            raise
        raise TypeError(not_a_number) from None
    assert isinstance(out, Fraction)
    return out


def to_mpf(value: object, name: str) -> mpmath.mpf:
    """Convert a real number given as int, float, str, Fraction, Decimal or mpf exactly.

    Must be called inside a precision context; strings and fractions are rounded once to
    the working precision, floats and ints are exact. Strings follow the strict grammar of
    :func:`asymptote._validate.parse_number` (decimals, ``p/q``; never evaluated).
    """
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a real number, got bool {value!r}")
    message = f"{name} must be a real number (int, float, str, Fraction or mpf), got {show_value(value)}"
    if isinstance(value, str):
        frac = _parse_text(value, name, message)
        return mpmath.mpf(frac.numerator) / frac.denominator
    if isinstance(value, Decimal):  # exact, through the same grammar (bounded exponent)
        frac = to_fraction(value, name)
        return mpmath.mpf(frac.numerator) / frac.denominator
    try:
        if isinstance(value, mpmath.mpf):
            out = +value
        elif isinstance(value, Fraction):
            out = mpmath.mpf(value.numerator) / value.denominator
        elif isinstance(value, (Real, Integral)) or hasattr(value, "__float__"):
            if isinstance(value, Integral):
                out = mpmath.mpf(int(value))
            else:
                out = mpmath.mpf(float(value))  # type: ignore[arg-type]
        else:
            raise TypeError
    except (TypeError, ValueError, OverflowError):
        raise TypeError(message) from None
    if not mpmath.isfinite(out):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return out


def to_float(value: object, name: str) -> float:
    """Convert a real scalar to float, rejecting non-numbers and non-finite values.

    Strings follow the strict grammar of :func:`asymptote._validate.parse_number`.
    """
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a real number, got bool {value!r}")
    try:
        if isinstance(value, str):
            out = float(
                _parse_text(value, name, f"{name} must be a real number, got {show_value(value)}")
            )
        else:
            out = float(value)  # type: ignore[arg-type]
    except OverflowError:
        raise ValueError(
            f"{name} is beyond the float64 range (|{name}| < 1.8e308), got {show_value(value)}"
        ) from None
    except (TypeError, ValueError):
        if isinstance(value, str):
            raise
        raise TypeError(f"{name} must be a real number, got {show_value(value)}") from None
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite, got {show_value(value)}")
    return out


def check_float64_square(value: Any, name: str, original: object = None) -> None:
    """Raise ``ValueError`` when ``value ** 2`` overflows float64 (``value`` a float or array).

    A standard deviation enters the float64 computations through its square, so
    ``sigma_w = 1e300`` would silently become ``inf`` there.
    """
    arr = np.abs(np.asarray(value, dtype=float))
    if np.any(arr > MAX_FLOAT64_SIGMA):
        shown = value if original is None else original
        raise ValueError(
            f"{name} is too large: {name}^2 overflows float64, so the float64 computation needs "
            f"{name} <= {MAX_FLOAT64_SIGMA:.4g}, got {show_value(shown)}"
        )
