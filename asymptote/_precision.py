"""Precision handling: exact conversion of user input and local mpmath contexts.

A library call never changes the global ``mpmath.mp`` precision; every high-precision
routine runs inside :func:`workdps` with a few guard digits and rounds its result to the
requested number of digits on the way out.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from numbers import Integral, Real

import mpmath

__all__ = ["GUARD_DIGITS", "workdps", "to_mpf", "check_dps", "round_mpf"]

#: Extra decimal digits carried internally beyond the requested ``dps``.
GUARD_DIGITS = 12


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


def to_mpf(value: object, name: str) -> mpmath.mpf:
    """Convert a real number given as int, float, str, Fraction, Decimal or mpf exactly.

    Must be called inside a precision context; strings and fractions are rounded once to
    the working precision, floats and ints are exact.
    """
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a real number, got bool {value!r}")
    try:
        if isinstance(value, mpmath.mpf):
            out = +value
        elif isinstance(value, Fraction):
            out = mpmath.mpf(value.numerator) / value.denominator
        elif isinstance(value, str):
            out = mpmath.mpf(value.strip())
        elif isinstance(value, (Real, Integral)) or hasattr(value, "__float__"):
            if isinstance(value, Integral):
                out = mpmath.mpf(int(value))
            elif type(value).__name__ == "Decimal":
                out = mpmath.mpf(str(value))
            else:
                out = mpmath.mpf(float(value))  # type: ignore[arg-type]
        else:
            raise TypeError
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a real number (int, float, str, Fraction or mpf), got {value!r}"
        ) from None
    if not mpmath.isfinite(out):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return out


def to_float(value: object, name: str) -> float:
    """Convert a real scalar to float, rejecting non-numbers and non-finite values."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a real number, got bool {value!r}")
    try:
        out = float(Fraction(value)) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {value!r}") from None
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return out
