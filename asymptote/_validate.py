r"""One place for turning user input into numbers and for the size limits of long work.

Every public function and every command-line option that accepts a number given as text goes
through :func:`parse_number`: a strict grammar, parsed here by hand, so no user string ever
reaches :func:`sympy.sympify`, :func:`sympy.nsimplify`, ``eval`` or a parser that could run
code or take unbounded time.

Grammar (surrounding blanks allowed)::

    number   := decimal | decimal "/" decimal | "inf" | "-inf" | "nan"   (inf/nan only if allowed)
    decimal  := [+-] digits ["." [digits]] [exponent] | [+-] "." digits [exponent]
    exponent := ("e" | "E") [+-] digits          with |exponent| <= MAX_EXPONENT
    exact    := number | "sqrt(" number ")"      (only where an exact value is wanted)

Decimals are converted exactly: ``"0.1"`` is one tenth, not the double nearest to it, so exact
rationals (SymPy) and high-precision values (mpmath) come from the text itself.

Limits: :data:`LIMITS` lists the caps on the sizes that make work grow (depth, widths, number of
networks, training steps, digits, data files). They are checked before any work starts and name
the cap and how to lift it (``--allow-large`` on the command line).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from numbers import Integral, Rational, Real
from typing import Any

__all__ = [
    "LIMITS",
    "Limit",
    "MAX_EXPONENT",
    "MAX_NUMBER_LENGTH",
    "architecture_sigmas",
    "check_limit",
    "depth",
    "integer",
    "is_number_text",
    "nonnegative",
    "parse_number",
    "real_array",
    "show_value",
    "standard_deviation",
    "to_exact",
    "to_fraction",
    "to_rational",
]

#: Largest ``|exponent|`` accepted in ``1.5e-300``-style input (``10**10000`` is still cheap
#: to hold exactly; ``1e999999999`` would take minutes and gigabytes).
MAX_EXPONENT = 10_000

#: Longest number text accepted, in characters: 4000 digits is far beyond any precision asked
#: of a quadrature, and stays under Python's limit on converting long digit strings to int.
MAX_NUMBER_LENGTH = 4000

_DECIMAL = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?")
_INF = {"inf", "+inf", "infinity", "+infinity"}
_NEG_INF = {"-inf", "-infinity"}
_NAN = {"nan", "+nan", "-nan"}
_SQRT = re.compile(r"sqrt\((.*)\)")


def _describe(text: str) -> str:
    """Short repr of user text for messages (long input is cut)."""
    return repr(text) if len(text) <= 60 else repr(text[:40] + "...") + f" ({len(text)} characters)"


def _parse_decimal(text: str, name: str, original: str) -> Fraction:
    match = _DECIMAL.fullmatch(text)
    if match is None or not (match.group(2) or match.group(3)):
        raise ValueError(
            f"{name} must be a number such as 0.5, -3, 1e-6 or 1/3, got {_describe(original)}"
        )
    sign, whole, frac, exp = match.groups()
    exponent = 0
    if exp is not None:
        digits = exp.lstrip("+-").lstrip("0") or "0"
        if len(digits) > len(str(MAX_EXPONENT)) or int(digits) > MAX_EXPONENT:
            raise ValueError(
                f"{name} has an exponent beyond +-{MAX_EXPONENT}, got {_describe(original)}"
            )
        exponent = -int(digits) if exp.startswith("-") else int(digits)
    frac = frac or ""
    mantissa = int((whole or "0") + frac)
    exponent -= len(frac)
    value = Fraction(mantissa * 10**exponent) if exponent >= 0 else Fraction(mantissa, 10**-exponent)
    return -value if sign == "-" else value


def parse_number(text: str, name: str, *, allow_inf: bool = False) -> Fraction | float:
    """Parse a decimal, ``p/q`` fraction or (if allowed) ``inf`` from text, exactly.

    Parameters
    ----------
    text : str
        The text, e.g. ``"0.1"``, ``"-2.5e-3"``, ``"1/3"``; blanks around it are ignored.
    name : str
        Parameter name used in error messages.
    allow_inf : bool, optional
        Accept ``inf``/``-inf`` (returned as ``float``); ``nan`` is never accepted.

    Returns
    -------
    fractions.Fraction or float
        The exact value (a float only for ``inf``).

    Raises
    ------
    TypeError
        ``text`` is not a ``str``.
    ValueError
        Anything outside the grammar of :mod:`asymptote._validate`, an exponent beyond
        :data:`MAX_EXPONENT`, text longer than :data:`MAX_NUMBER_LENGTH`, division by zero,
        ``nan``, or ``inf`` where not allowed.

    Examples
    --------
    >>> parse_number("0.1", "x")
    Fraction(1, 10)
    >>> parse_number("-3/6", "x")
    Fraction(-1, 2)
    >>> parse_number("__import__('os')", "sigma_w")
    Traceback (most recent call last):
    ...
    ValueError: sigma_w must be a number such as 0.5, -3, 1e-6 or 1/3, got "__import__('os')"
    """
    if not isinstance(text, str):
        raise TypeError(f"{name} must be given as text here, got {type(text).__name__}")
    if len(text) > MAX_NUMBER_LENGTH:
        raise ValueError(
            f"{name} is {len(text)} characters long; at most {MAX_NUMBER_LENGTH} are accepted"
        )
    body = text.strip()
    low = body.lower()
    if low in _INF or low in _NEG_INF:
        if allow_inf:
            return math.inf if low in _INF else -math.inf
        raise ValueError(f"{name} must be finite, got {_describe(text)}")
    if low in _NAN:
        raise ValueError(f"{name} must be a number, got {_describe(text)} (nan)")
    if "/" in body:
        top, _, bottom = body.partition("/")
        numerator = _parse_decimal(top.strip(), name, text)
        denominator = _parse_decimal(bottom.strip(), name, text)
        if denominator == 0:
            raise ValueError(f"{name} divides by zero: {_describe(text)}")
        return numerator / denominator
    return _parse_decimal(body, name, text)


def is_number_text(text: str) -> bool:
    """Whether ``text`` has the shape of a number of the grammar, whatever its size or value.

    Tells text that is no number at all (``"abc"``: a type error for most callers) from a
    number :func:`parse_number` rejects for its value (``"1e99999"``, ``"nan"``, ``"1/0"``).
    Never raises and never converts anything.

    Examples
    --------
    >>> is_number_text("1e99999"), is_number_text("nan"), is_number_text("2**3")
    (True, True, False)
    """
    if not isinstance(text, str):
        return False
    low = text.strip().lower()
    if low in _INF or low in _NEG_INF or low in _NAN:
        return True
    parts = low.split("/")
    if len(parts) > 2:
        return False
    for part in parts:
        match = _DECIMAL.fullmatch(part.strip())
        if match is None or not (match.group(2) or match.group(3)):
            return False
    return True


def to_fraction(value: object, name: str) -> Fraction:
    """Convert a finite real number of any common type to an exact :class:`~fractions.Fraction`.

    ``str`` goes through :func:`parse_number`; ``int``, ``Fraction``, ``Decimal``, mpmath ``mpf``
    and SymPy rationals are exact; ``float`` (and numpy floats) keep their exact binary value.

    Raises
    ------
    TypeError
        ``bool``, complex numbers or anything that is not a real number.
    ValueError
        Non-finite values, or text outside the grammar.

    Examples
    --------
    >>> to_fraction("2.5e-1", "x"), to_fraction(0.5, "x")
    (Fraction(1, 4), Fraction(1, 2))
    >>> import mpmath
    >>> to_fraction(mpmath.mpf(-0.75), "x")
    Fraction(-3, 4)
    """
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a real number, got bool {value!r}")
    if isinstance(value, str):
        out = parse_number(value, name)
        assert isinstance(out, Fraction)
        return out
    if isinstance(value, (Fraction, Integral)):
        return Fraction(int(value)) if isinstance(value, Integral) else value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{name} must be finite, got {value!r}")
        return parse_number(str(value), name)  # type: ignore[return-value]
    kind = type(value).__module__.split(".")[0]
    if kind == "mpmath" and hasattr(value, "man_exp"):
        import mpmath

        if not mpmath.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value!r}")
        # the raw tuple: ``man_exp`` drops the sign
        sign, man, exp, _ = value._mpf_  # type: ignore[attr-defined]
        # int(): with gmpy2 installed the mantissa is an mpz, which Fraction keeps, and
        # SymPy then refuses the Fraction's numerator
        frac = Fraction(int(man)) * Fraction(2) ** int(exp)
        return -frac if sign else frac
    if kind == "sympy":
        import sympy

        if isinstance(value, sympy.Rational):
            return Fraction(int(value.p), int(value.q))
        if isinstance(value, sympy.Float) and value.is_finite:
            exact = sympy.Rational(value)  # the Float's exact binary value
            return Fraction(int(exact.p), int(exact.q))
        raise TypeError(f"{name} must be a rational SymPy number here, got {value!r}")
    if isinstance(value, complex) or (hasattr(value, "imag") and not isinstance(value, Real)):
        raise TypeError(f"{name} must be a real number, got complex {value!r}")
    if isinstance(value, (Real, Rational)) or hasattr(value, "__float__"):
        try:
            f = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError):
            raise TypeError(f"{name} must be a real number, got {value!r}") from None
        if not math.isfinite(f):
            raise ValueError(f"{name} must be finite, got {value!r}")
        return Fraction(f)
    raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")


def to_rational(value: object, name: str) -> Any:
    """Exact :class:`sympy.Rational` of a real number, without parsing text through SymPy.

    Floats become the rational their shortest ``repr`` denotes (``0.1`` gives ``1/10``), the
    value a person typing the float meant; use :func:`to_fraction` for the binary value.

    Examples
    --------
    >>> to_rational(0.1, "x"), to_rational("3/4", "x")
    (1/10, 3/4)
    """
    import sympy

    if isinstance(value, float) or type(value).__module__ == "numpy":
        try:
            f = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a real number, got {value!r}") from None
        if not math.isfinite(f):
            raise ValueError(f"{name} must be finite, got {value!r}")
        frac = parse_number(repr(f), name)
    else:
        frac = to_fraction(value, name)
    assert isinstance(frac, Fraction)
    return sympy.Rational(frac.numerator, frac.denominator)


def to_exact(value: object, name: str) -> Any:
    """Exact SymPy number: :func:`to_rational`, plus ``"sqrt(r)"`` text and SymPy constants.

    A SymPy expression passed by a program (``sympy.sqrt(2)``) is kept if it is a real number
    without free symbols; text is never handed to SymPy's parser.

    Examples
    --------
    >>> to_exact("sqrt(2)", "sigma_w") ** 2
    2
    """
    import sympy

    if isinstance(value, sympy.Basic):
        if not isinstance(value, sympy.Expr) or value.free_symbols or value.is_real is not True:
            raise TypeError(f"{name} must be a real number, got the expression {value!r}")
        if value.is_finite is not True:
            raise ValueError(f"{name} must be finite, got {value!r}")
        return value
    if isinstance(value, str):
        match = _SQRT.fullmatch(value.strip())
        if match:
            inner = to_rational(match.group(1), name)
            if inner < 0:
                raise ValueError(f"{name} must be the square root of a number >= 0, got {value!r}")
            return sympy.sqrt(inner)
    return to_rational(value, name)


# ---------------------------------------------------------------------------------------
# size limits
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Limit:
    """A documented cap on a size that makes work grow, with the reason for its value."""

    name: str
    cap: int
    why: str


#: The caps, checked before work starts (``--allow-large`` / ``allow_large=True`` lifts them).
LIMITS: dict[str, Limit] = {
    limit.name: limit
    for limit in (
        Limit("dps", 1000, "mpmath quadrature at 1000 digits already takes minutes"),
        Limit("depth", 10_000_000, "the iteration stores every layer (about 0.5 GB at 1e7)"),
        Limit("kernel_depth", 100_000, "one Gram-matrix recursion step per layer"),
        Limit("width", 8192, "a random network of width n costs n^2 per layer and sample"),
        Limit("widths", 1000, "one exact factor per hidden layer"),
        Limit("samples", 10_000, "one random network per sample"),
        Limit(
            "network_work",
            10**12,
            "width^2 x depth x samples (or seeds x steps) multiply-adds; 1e12 is minutes to hours",
        ),
        Limit("seeds", 1000, "one training run per seed and width"),
        Limit("steps", 100_000, "one full-batch gradient step per step and seed"),
        Limit("moments", 200, "moment recursion of order K costs K^3"),
        Limit("data_rows", 20_000, "the posterior solves an n x n kernel system"),
        Limit("data_bytes", 50_000_000, "data files are read into memory"),
    )
}


def check_limit(value: int, limit: str, option: str, *, allow_large: bool = False) -> int:
    """Raise ``ValueError`` when ``value`` exceeds the cap of ``LIMITS[limit]``.

    Examples
    --------
    >>> check_limit(10**12, "depth", "--depth")
    Traceback (most recent call last):
    ...
    ValueError: --depth = 1000000000000 exceeds the cap 10000000 (the iteration stores every layer (about 0.5 GB at 1e7)); pass --allow-large to lift it
    """
    cap = LIMITS[limit]
    if value > cap.cap and not allow_large:
        raise ValueError(
            f"{option} = {value} exceeds the cap {cap.cap} ({cap.why}); pass --allow-large to lift it"
        )
    return value


# ---------------------------------------------------------------------------------------
# the shared checks of arguments: standard deviations, depths, orders, real arrays
# ---------------------------------------------------------------------------------------
# The converters (``to_float``, ``to_mpf``, ``check_float64_square``) live in
# :mod:`asymptote._precision`, which imports this module; they are imported lazily here.
def show_value(value: object) -> str:
    """Short repr of a user value for messages (long text is cut)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:60] + f"... ({len(text)} characters)"


def _float_array(values: object, name: str) -> Any:
    """``values`` as a float64 array (text by the strict grammar); no finiteness check."""
    import numpy as np

    from ._precision import to_float

    if isinstance(values, str):  # the strict number grammar (exact, bounded, never evaluated)
        values = to_float(values, name)
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise TypeError(
            f"{name} must be a real number or array of them, got {show_value(values)}"
        ) from None


def real_array(
    value: object, name: str, *, low: float | None = None, high: float | None = None
) -> Any:
    """A finite float64 array (or 0-d array) of real numbers, optionally within ``[low, high]``.

    Raises
    ------
    TypeError
        Not a real number or array of them.
    ValueError
        Non-finite entries, or entries outside ``[low, high]``.

    Examples
    --------
    >>> real_array("0.5", "q")
    array(0.5)
    >>> real_array([0.5, 2.0], "e0", low=-1.0, high=1.0)
    Traceback (most recent call last):
    ...
    ValueError: e0 must lie in [-1.0, 1.0], got [0.5, 2.0]
    """
    import numpy as np

    arr = _float_array(value, name)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {show_value(value)}")
    if (low is not None and np.any(arr < low)) or (high is not None and np.any(arr > high)):
        lo = -math.inf if low is None else low
        hi = math.inf if high is None else high
        raise ValueError(f"{name} must lie in [{lo}, {hi}], got {show_value(value)}")
    return arr


def _real(value: object, name: str, dps: int | None) -> Any:
    """One real number: float64 (``dps=None``) or mpf converted at ``dps`` digits."""
    if dps is None:
        from ._precision import to_float

        return to_float(value, name)
    import mpmath

    from ._precision import to_mpf

    with mpmath.workdps(dps):
        return to_mpf(value, name)


def nonnegative(value: object, name: str, *, dps: int | None = None) -> Any:
    """A real number ``>= 0``: ``float`` (``dps=None``) or ``mpf`` converted at ``dps`` digits.

    Examples
    --------
    >>> nonnegative("1/4", "noise")
    0.25
    >>> nonnegative(-1, "time")
    Traceback (most recent call last):
    ...
    ValueError: time must be >= 0, got -1
    """
    out = _real(value, name, dps)
    if out < 0:
        raise ValueError(f"{name} must be >= 0, got {show_value(value)}")
    return out


def standard_deviation(
    value: object,
    name: str,
    *,
    dps: int | None = None,
    grid: bool = False,
    positive: bool = False,
) -> Any:
    """A standard deviation: ``>= 0`` (``> 0`` if ``positive``), finite.

    ``dps=None``: a ``float`` (with ``grid``, a float64 array: a parameter grid) whose square
    is a finite float64. Otherwise an ``mpf`` converted exactly at ``dps`` digits (``grid``
    is ignored: mpmath parameters are scalars).

    Raises
    ------
    TypeError
        Not a real number (or array of them with ``grid``).
    ValueError
        Negative (or zero if ``positive``), non-finite, or with a square beyond float64.

    Examples
    --------
    >>> standard_deviation("1.5", "sigma_w")
    1.5
    >>> standard_deviation(-1, "sigma_b")
    Traceback (most recent call last):
    ...
    ValueError: sigma_b must be a finite standard deviation >= 0, got -1
    >>> standard_deviation("0.1", "sigma_w", dps=30)
    mpf('0.1')
    """
    import numpy as np

    bound = "> 0" if positive else ">= 0"
    if dps is not None:
        out = _real(value, name, dps)
        if out < 0 or (positive and out == 0):
            raise ValueError(f"{name} must be a standard deviation {bound}, got {show_value(value)}")
        return out
    from ._precision import check_float64_square, to_float

    out = _float_array(value, name) if grid else to_float(value, name)
    arr = np.asarray(out)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or (positive and np.any(arr == 0)):
        raise ValueError(f"{name} must be a finite standard deviation {bound}, got {show_value(value)}")
    check_float64_square(out, name, value)
    return out


def integer(
    value: object,
    name: str,
    *,
    minimum: int = 0,
    maximum: int | None = None,
    meaning: str | None = None,
) -> int:
    """An ``int`` (numpy integers accepted, ``bool`` refused) in ``[minimum, maximum]``.

    Raises ``ValueError`` for anything else (a wrong type included), naming ``meaning``.

    Examples
    --------
    >>> integer(3, "order", minimum=1, maximum=200)
    3
    >>> integer(0, "order", minimum=1, maximum=200)
    Traceback (most recent call last):
    ...
    ValueError: order must be an int from 1 to 200, got 0
    """
    import numpy as np

    ok = not isinstance(value, bool) and isinstance(value, (int, np.integer))
    if ok and (int(value) < minimum or (maximum is not None and int(value) > maximum)):  # type: ignore[call-overload]
        ok = False
    if not ok:
        allowed = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        about = f" ({meaning})" if meaning else ""
        raise ValueError(f"{name} must be an int {allowed}{about}, got {show_value(value)}")
    return int(value)  # type: ignore[call-overload]


def depth(
    value: object, name: str = "depth", *, minimum: int = 0, meaning: str | None = None
) -> int:
    """A depth: an ``int >= minimum`` (:func:`integer`); ``meaning`` says what it counts.

    Examples
    --------
    >>> depth(-1, meaning="number of nonlinearities")
    Traceback (most recent call last):
    ...
    ValueError: depth must be an int >= 0 (number of nonlinearities), got -1
    """
    return integer(value, name, minimum=minimum, meaning=meaning)


def architecture_sigmas(arch: str, *, option: bool = False, **given: Any) -> dict[str, Any]:
    """The standard deviations architecture ``arch`` declares, from ``given``.

    ``given`` maps ``sigma_w``, ``sigma_b``, ``sigma_v``, ``sigma_a`` to values (``None``:
    not given). A parameter the architecture declares
    (:attr:`asymptote.recurrences.Recurrence.parameters`) is required; one it does not declare
    must not be given. Returns ``{name: value}`` of the declared ones, unconverted. With
    ``option``, messages name command-line options (``--sigma-v``, ``--arch frn``).

    Raises
    ------
    ValueError
        A declared parameter missing, or an undeclared one given.

    Examples
    --------
    >>> architecture_sigmas("rrn", sigma_w=1, sigma_b=0, sigma_v=None, sigma_a=None)
    {'sigma_w': 1, 'sigma_b': 0}
    >>> architecture_sigmas("frn", option=True, sigma_w=1, sigma_b=0, sigma_v=None)
    Traceback (most recent call last):
    ...
    ValueError: --sigma-v and --sigma-a are required for --arch frn
    """
    from .recurrences import recurrence  # lazy: the declarations sit above this base module

    params = {s.name for s in recurrence(arch).parameters}
    declared = [n for n in given if n in params] + sorted(params.difference(given))

    def label(name: str) -> str:
        return "--" + name.replace("_", "-") if option else name

    where = f"--arch {arch}" if option else f"arch {arch!r}"
    missing = [label(n) for n in declared if given.get(n) is None]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise ValueError(f"{' and '.join(missing)} {verb} required for {where}")
    for name, value in given.items():
        if name not in params and value is not None:
            raise ValueError(
                f"{label(name)} is not a parameter of {where} (its parameters: "
                f"{', '.join(label(n) for n in declared)})"
            )
    return {name: given[name] for name in declared}
