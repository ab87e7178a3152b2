"""Property tests of the strict number grammar :func:`asymptote._validate.parse_number`.

Round trips (``p/q``, ``repr`` of floats, decimals against :class:`decimal.Decimal`), and on
arbitrary text: a :class:`~fractions.Fraction` or ``ValueError``/``TypeError``, never anything
else, never slowly. Example counts come from the Hypothesis profile (``tests/conftest.py``).
"""

from __future__ import annotations

import math
import time
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from asymptote._validate import (
    MAX_EXPONENT,
    is_number_text,
    parse_number,
    to_exact,
    to_fraction,
    to_rational,
)

#: Generous bound on one parse: the grammar is linear and exponents are capped.
SECONDS = 0.5


@given(st.integers(), st.integers().filter(lambda q: q != 0))
@example(0, 1)
@example(-(10**60), 7)
@example(3, -6)
def test_fraction_round_trip(p, q):
    assert parse_number(f"{p}/{q}", "x") == Fraction(p, q)
    assert parse_number(f" {p} / {q} ", "x") == Fraction(p, q)


@given(st.floats(allow_nan=False, allow_infinity=False))
@example(0.1)
@example(5e-324)
@example(1.7976931348623157e308)
@example(-0.0)
def test_float_repr_round_trip_is_exact(x):
    # repr(x) is the shortest decimal that rounds to x: parsed exactly, it rounds back to x
    # (it equals Fraction(x) only when that decimal is the binary value itself, e.g. 0.5)
    value = parse_number(repr(x), "x")
    assert value == Fraction(Decimal(repr(x)))
    assert float(value) == x
    # the exact decimal expansion of the binary value parses to Fraction(x) exactly
    assert parse_number(str(Decimal(x)), "x") == Fraction(x)
    assert to_fraction(x, "x") == Fraction(x)
    # to_rational reads the decimal the repr shows (0.1 -> 1/10), which rounds back to x
    assert float(to_rational(x, "x")) == x


@given(
    st.sampled_from(["", "+", "-"]),
    st.text("0123456789", max_size=30),
    st.one_of(st.none(), st.text("0123456789", max_size=30)),
    st.one_of(st.none(), st.integers(-MAX_EXPONENT, MAX_EXPONENT)),
    st.sampled_from(["e", "E"]),
)
def test_decimal_text_matches_decimal(sign, whole, frac, exponent, e):
    if not whole and not frac:
        whole = "0"
    text = sign + whole + ("" if frac is None else "." + frac)
    if exponent is not None:
        text += f"{e}{exponent:+d}" if exponent < 0 or exponent % 2 else f"{e}{exponent}"
    assert parse_number(text, "x") == Fraction(Decimal(text))
    assert is_number_text(text)


@given(st.integers(MAX_EXPONENT + 1, 10**30))
def test_exponent_beyond_the_cap_is_refused_fast(exponent):
    for text in (f"1e{exponent}", f"1e-{exponent}", f"0.5E+{exponent}"):
        start = time.perf_counter()
        with pytest.raises(ValueError, match="exponent"):
            parse_number(text, "x")
        assert time.perf_counter() - start < SECONDS
        assert is_number_text(text)


NUMBERISH = st.text(alphabet="0123456789+-.eE/ infa", max_size=40)


@given(st.one_of(st.text(max_size=200), NUMBERISH))
@example("__import__('os').system('touch PWNED')")
@example("1e999999999")
@example("9" * 5000)
@example("nan")
@example("-inf")
@example("1/0")
@example("sqrt(2)")
@example("2**8")
@example("0x10")
@example("1_000")
@example("١٢")  # Arabic-Indic digits: not in the grammar
def test_any_text_parses_or_raises_value_or_type_error(text):
    start = time.perf_counter()
    try:
        value = parse_number(text, "x")
    except (ValueError, TypeError) as exc:
        assert "x" in str(exc)
    else:
        assert isinstance(value, Fraction)
        assert is_number_text(text)
        # the value is what Decimal reads from the same text (p/q: the quotient)
        top, _, bottom = text.strip().partition("/")
        expected = Fraction(Decimal(top.strip()))
        if bottom:
            expected /= Fraction(Decimal(bottom.strip()))
        assert value == expected
    assert time.perf_counter() - start < SECONDS


@given(st.text(max_size=100))
def test_inf_is_only_accepted_when_allowed(text):
    try:
        value = parse_number(text, "x", allow_inf=True)
    except (ValueError, TypeError):
        return
    assert isinstance(value, Fraction) or math.isinf(value)


@pytest.mark.parametrize("value", [None, 1j, b"1", [1], object(), True])
def test_non_text_is_a_type_error(value):
    with pytest.raises(TypeError, match="x"):
        parse_number(value, "x")  # type: ignore[arg-type]


def test_is_number_text_separates_garbage_from_numbers_out_of_range():
    for text in ("1e99999", "nan", "-inf", "1/0", " 2.5e-3 ", ".5", "5."):
        assert is_number_text(text), text
    for text in ("abc", "2**3", "0x10", "1/2/3", "", ".", "e5", "sqrt(2)"):
        assert not is_number_text(text), text
    assert not is_number_text(None)  # type: ignore[arg-type]


@given(st.fractions(min_value=0, max_denominator=10**6))
def test_to_exact_sqrt_text(r):
    import sympy

    text = f"sqrt({r.numerator}/{r.denominator})"
    assert to_exact(text, "x") ** 2 == sympy.Rational(r.numerator, r.denominator)


def test_high_precision_mpf_converts_exactly():
    # with gmpy2 installed an mpf's mantissa is an mpz; the Fraction must still hold ints,
    # which SymPy accepts (it refused the mpz numerator: a 30-digit sigma_w raised TypeError)
    import mpmath
    import sympy

    from asymptote.finite_width.moments import parse_real

    with mpmath.workdps(30):
        x = mpmath.sqrt(2) * mpmath.mpf("0.9")
        frac = to_fraction(x, "x")
        assert type(frac.numerator) is int and type(frac.denominator) is int
        assert mpmath.mpf(frac.numerator) / frac.denominator == x
        assert parse_real(x, "sigma_w") == sympy.Rational(frac.numerator, frac.denominator)
