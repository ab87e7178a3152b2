"""The numeric backends of asymptote.backend: exact input conversion, elementwise transforms,
the one guard-digit policy, rounding once on the way out, and derived maps bound to them."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from asymptote._precision import GUARD_DIGITS
from asymptote._validate import to_fraction
from asymptote.activations import activation
from asymptote.backend import FLOAT64, Float64Backend, MpmathBackend, backend
from asymptote.recurrences import recurrence
from asymptote.recurrences.bind import evaluator
from asymptote.recurrences.symbols import gamma, lam, m_1, m_2, p_1, p_2, q_1, q_2, sigma
from asymptote.transforms import transform


def test_backend_is_chosen_by_dps():
    assert backend(None) is FLOAT64 and isinstance(FLOAT64, Float64Backend)
    b = backend(30)
    assert isinstance(b, MpmathBackend) and b.dps == 30 and backend(30) is b
    with pytest.raises(ValueError, match="dps"):
        backend(0)
    with pytest.raises(TypeError, match="dps"):
        backend(2.5)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- conversion
@pytest.mark.parametrize(
    "value,exact",
    [
        ("0.1", Fraction(1, 10)),
        ("1/3", Fraction(1, 3)),
        (Fraction(2, 7), Fraction(2, 7)),
        (Decimal("0.3"), Fraction(3, 10)),
        (0.1, Fraction(0.1)),  # a float is its binary value, exactly
        (7, Fraction(7)),
        ("-2.5e-3", Fraction(-1, 400)),
    ],
)
def test_mpmath_backend_converts_inputs_exactly(value, exact):
    b = backend(50)
    x = b.number(value, "x")
    arr = b.array([[value, value]], "x")
    # rounded once to the working precision: the nearest mpf at dps + GUARD_DIGITS digits
    with mpmath.workdps(50 + GUARD_DIGITS):
        nearest = mpmath.mpf(exact.numerator) / exact.denominator
        assert x == nearest
        assert arr.dtype == object and arr.shape == (1, 2)
        assert all(v == nearest for v in arr.ravel())
    # exactly: "0.1" is one tenth to 60 digits, not the double 0.1000000000000000055...
    assert abs(to_fraction(x, "x") - exact) <= abs(exact) * Fraction(
        1, 10 ** (50 + GUARD_DIGITS - 1)
    )


@pytest.mark.parametrize("value", ["0.1", Fraction(1, 10), Decimal("0.1"), 0.1])
def test_float64_backend_converts_to_the_nearest_double(value):
    assert FLOAT64.number(value, "x") == 0.1
    assert FLOAT64.array([value, 1], "x").tolist() == [0.1, 1.0]


@pytest.mark.parametrize("dps", [None, 25])
@pytest.mark.parametrize("bad", ["nan", "inf", "1/0", "__import__('os')", float("nan")])
def test_bad_numbers_are_refused(dps, bad):
    b = backend(dps)
    with pytest.raises((ValueError, TypeError), match="x"):
        b.number(bad, "x")
    with pytest.raises((ValueError, TypeError), match="x"):
        b.array([1.0, bad], "x")


@pytest.mark.parametrize("dps", [None, 25])
def test_standard_deviation_must_be_non_negative(dps):
    b = backend(dps)
    with pytest.raises(ValueError, match="sigma_w.*standard deviation"):
        b.standard_deviation(-1, "sigma_w")
    assert b.standard_deviation("0.5", "sigma_w") == 0.5


def test_float64_standard_deviation_grid_and_overflow():
    grid = FLOAT64.standard_deviation([[0.5, 1.0]], "sigma_w", grid=True)
    assert grid.shape == (1, 2)
    with pytest.raises(ValueError, match="sigma_w.*(too large|float64)"):
        FLOAT64.standard_deviation(1e300, "sigma_w")
    with pytest.raises(ValueError, match="sigma_w.*float64"):
        FLOAT64.standard_deviation("1e5000", "sigma_w")


# ---------------------------------------------------------------------------- transforms
ONE_D_Q = ["0.5", "1", "2.25"]
PAIRS = (["0.5", "2"], ["1", "3"], [["0.3", "-0.2"], ["0.4", "1.1"]])


@pytest.mark.parametrize("name", ["relu", "erf", "abs"])
@pytest.mark.parametrize("key", ["V", "Vd", "W", "Wd"])
def test_mpmath_transform_elementwise_equals_scalar_calls(name, key):
    b = backend(25)
    with b.working():
        if key in ("V", "Vd"):
            q = b.array(ONE_D_Q, "q")
            got = b.transform(key, name, q)
            want = [transform(key, name, v, dps=b.inner) for v in q]
            assert got.shape == q.shape and list(got) == want
            return
        q1, q2, q12 = (b.array(v, "q") for v in PAIRS)
        got = b.transform(key, name, q1[:, None], q2[None, :], q12)
        assert got.shape == (2, 2) and got.dtype == object
        for i in range(2):
            for j in range(2):
                assert got[i, j] == transform(key, name, q1[i], q2[j], q12[i, j], dps=b.inner)
        # a scalar stays a scalar
        assert b.transform(key, name, q1[0], q2[0], q12[0, 0]) == got[0, 0]


@pytest.mark.parametrize("name", ["relu", "erf", "tanh"])
@pytest.mark.parametrize("key", ["V", "Vd", "W", "Wd"])
def test_float64_transform_elementwise_equals_scalar_calls(name, key):
    if key in ("V", "Vd"):
        q = FLOAT64.array(ONE_D_Q, "q")
        got = FLOAT64.transform(key, name, q)
        want = [transform(key, name, float(v)) for v in q]
    else:
        q1, q2, q12 = (FLOAT64.array(v, "q") for v in PAIRS)
        got = FLOAT64.transform(key, name, q1[:, None], q2[None, :], q12).ravel()
        want = [
            transform(key, name, float(q1[i]), float(q2[j]), float(q12[i, j]))
            for i in range(2)
            for j in range(2)
        ]
    # vectorized vs scalar numpy: the same formulas, at most a rounding apart
    np.testing.assert_allclose(got, want, rtol=4e-16 * 4, atol=0)


# ---------------------------------------------------------------------------- precision
def test_guard_digit_policy_is_one_place():
    b = backend(40)
    assert b.inner == 40 + GUARD_DIGITS // 2
    before = mpmath.mp.dps
    with b.working():
        assert mpmath.mp.dps == 40 + GUARD_DIGITS
        b.number("0.1", "x")
        b.transform("V", "erf", b.array(["0.5"], "q"))
        assert mpmath.mp.dps == 40 + GUARD_DIGITS
    assert mpmath.mp.dps == before
    b.number("0.1", "x")  # conversion outside working() still uses the working precision
    b.array(["0.1"], "x")
    b.finish(b.number("1/3", "x"))
    assert mpmath.mp.dps == before


def test_finish_rounds_once_to_dps():
    b = backend(20)
    with b.working():
        third = b.number("1/3", "x")
        arr = np.array([[third, 2 * third]], dtype=object)
    out = b.finish(third)
    with mpmath.workdps(20):
        assert out == +third
    assert out != third  # the working value carries GUARD_DIGITS more digits
    man, _ = out.man_exp
    assert man.bit_length() <= mpmath.workdps(20)(lambda: mpmath.mp.prec)()
    mat = b.finish(arr)
    assert isinstance(mat, mpmath.matrix) and (mat.rows, mat.cols) == (1, 2)
    assert mat[0, 0] == out
    col = b.finish(arr[0])
    assert isinstance(col, mpmath.matrix) and (col.rows, col.cols) == (2, 1)
    assert b.finish(np.asarray(third, dtype=object)) == out
    assert FLOAT64.finish(np.float64(2.0)) == 2.0 and type(FLOAT64.finish(np.float64(2))) is float
    assert FLOAT64.finish(np.ones(3)).shape == (3,)


@pytest.mark.parametrize("dps", [None, 30])
def test_public_calls_leave_the_global_precision_alone(dps):
    from asymptote import correlation_map, length_map, nngp_ntk

    before = (mpmath.mp.prec, mpmath.mp.dps)
    length_map("erf", "1.2", "0.1", "0.5", dps=dps)
    correlation_map("erf", "1.2", "0.1", "0.5", q="0.7", dps=dps)
    nngp_ntk("relu", "1.2", "0.1", [["1", "0"], ["0.6", "0.8"]], depth=2, dps=dps)
    assert (mpmath.mp.prec, mpmath.mp.dps) == before


# ---------------------------------------------------------------------------- derived maps
@pytest.mark.parametrize("dps", [None, 30])
def test_derived_two_input_map_evaluates_the_same_on_both_backends(dps):
    """The reduced resnet's two-input map (unequal lengths, means) against transform()."""
    b = backend(dps)
    rec = recurrence("rrn")
    act = activation("relu")
    f = evaluator([rec.pair_pre, rec.pair_state], act, b)
    with b.working():
        env = {
            p_1: b.numbers("1.5", "p"),
            p_2: b.numbers("0.4", "p"),
            m_1: b.numbers("0.3", "m"),
            m_2: b.numbers("-0.1", "m"),
            gamma: b.numbers("0.2", "g"),
            sigma("w"): b.numbers("1.3", "s"),
            sigma("b"): b.numbers("0.2", "s"),
        }
        out = f(env)
    with mpmath.workdps(40):
        sw2, sb2 = mpmath.mpf("1.3") ** 2, mpmath.mpf("0.2") ** 2
        k1 = sw2 * mpmath.mpf("1.5") + sb2
        k2 = sw2 * mpmath.mpf("0.4") + sb2
        k12 = sw2 * mpmath.mpf("0.2") + sb2
        mean = [mpmath.sqrt(k / (2 * mpmath.pi)) for k in (k1, k2)]  # E[relu(sqrt(k) z)]
        want_gamma = (
            mpmath.mpf("0.2")
            + transform("W", act, k1, k2, k12, dps=40)
            + mpmath.mpf("0.3") * mean[1]
            + mpmath.mpf("-0.1") * mean[0]
        )
        want_p2 = mpmath.mpf("0.4") + k2 / 2 + 2 * mpmath.mpf("-0.1") * mean[1]
        # float64: a few roundings of O(1) terms; mpmath: rounded at 30 + 6 digits inside
        tol = 1e-14 if dps is None else mpmath.mpf(10) ** -28
        for sym, want in ((q_1, k1), (q_2, k2), (lam, k12), (gamma, want_gamma), (p_2, want_p2)):
            assert abs(out[sym] - want) <= tol * abs(want), sym
