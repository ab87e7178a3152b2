"""No user string reaches SymPy's parser (``sympify`` is ``eval``), and bad numbers fail fast.

* Every numeric slot of the public functions gets code to execute, an exponent that would take
  minutes to expand exactly, ``nan`` and ``inf``: each must raise ``ValueError``/``TypeError``
  within seconds and create no file.
* With ``sympy.sympify``/``nsimplify``/``parse_expr`` patched to refuse text, public calls
  with string numbers (``"0.5"``, ``"1/3"``, ``"sqrt(2)"``) still work.
* The library-level fixes: zero variance of the step, huge standard deviations, ``sigma_w = 0``
  in the depth laws and in the finite-width ratio E[M^2]/E[M]^2.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy

import asymptote as asy
from asymptote.finite_width.residual_scaling import eta_schedule, ratio_moments
from asymptote.recurrences.symbols import sigma

INJECTION = "__import__('os').system('touch PWNED')"
HUGE_EXPONENT = "1e999999999"
BAD_TEXT = [INJECTION, HUGE_EXPONENT, "nan", "inf", "-inf", "1/0", "2**10", "0x10", ""]

#: Public calls with one numeric slot left open: ``name -> f(value)``.
SLOTS: dict[str, Callable[[Any], Any]] = {
    "mean_field.sigma_w": lambda v: asy.mean_field("tanh", v, 0.1),
    "mean_field.sigma_b": lambda v: asy.mean_field("tanh", 1.0, v),
    "mean_field.sigma_w.dps": lambda v: asy.mean_field("tanh", v, 0.1, dps=15),
    "critical_point.sigma_b": lambda v: asy.critical_point("tanh", v),
    "critical_point.sigma_b.dps": lambda v: asy.critical_point("tanh", v, dps=15),
    "length_map.sigma_w": lambda v: asy.length_map("tanh", v, 0.1, 1.0),
    "length_map.q": lambda v: asy.length_map("tanh", 1.0, 0.1, v),
    "length_map.q.dps": lambda v: asy.length_map("tanh", 1.0, 0.1, v, dps=15),
    "correlation_map.c": lambda v: asy.correlation_map("tanh", 1.0, 0.1, v, q=1.0),
    "correlation_map.q": lambda v: asy.correlation_map("tanh", 1.0, 0.1, 0.5, q=v),
    "nngp_ntk.sigma_w": lambda v: asy.nngp_ntk("relu", v, 0.1, [[1.0, 0.0]], depth=1),
    "nngp_ntk.sigma_b.dps": lambda v: asy.nngp_ntk("relu", 1.0, v, [[1.0, 0.0]], depth=1, dps=15),
    "nngp_ntk.x1": lambda v: asy.nngp_ntk("relu", 1.0, 0.1, [[v, 0.0]], depth=1),
    "second_moment.q": lambda v: asy.second_moment("tanh", v),
    "second_moment.q.dps": lambda v: asy.second_moment("tanh", v, dps=15),
    "cross_moment.q12": lambda v: asy.cross_moment("tanh", 1.0, 1.0, v),
    "cross_moment.q1.dps": lambda v: asy.cross_moment("erf", v, 1.0, 0.5, dps=15),
    "leading_laws.sigma_w": lambda v: asy.leading_laws("rrn", "relu", v, 0.1),
    "leading_laws.sigma_b": lambda v: asy.leading_laws("rrn", "relu", 1, v),
    "leading_laws.sigma_a": lambda v: asy.leading_laws(
        "frn", "relu", 1, 0.1, sigma_v=1, sigma_a=v
    ),
    "spectrum_moments.sigma_w.exact": lambda v: asy.spectrum_moments(
        "relu", v, 0, depth=2, order=2, exact=True
    ),
    "spectrum_moments.sigma_b.exact": lambda v: asy.spectrum_moments(
        "relu", 1, v, depth=2, order=2, exact=True
    ),
    "spectrum_moments.sigma_w": lambda v: asy.spectrum_moments("tanh", v, 0.1, depth=2, order=2),
    "output_length_moments.sigma_w": lambda v: asy.output_length_moments([10, 20], v, 0),
    "output_length_moments.sigma_b": lambda v: asy.output_length_moments([10, 20], 1, v),
    "output_length_moments.input_length": lambda v: asy.output_length_moments(
        [10, 20], 1, 0, input_length=v
    ),
    "output_length_moments.weight_kurtosis": lambda v: asy.output_length_moments(
        [10, 20], 1, 0, weight_kurtosis=v, input_width=5
    ),
    "failure_modes.sigma_w": lambda v: asy.failure_modes([10, 20], v),
    "ratio_moments.eta": lambda v: ratio_moments(v, 10),
    "ratio_moments.gain": lambda v: ratio_moments("1/2", 10, gain=v),
    "eta_schedule.scale": lambda v: eta_schedule("constant", 3, scale=v),
    "eta_schedule.beta": lambda v: eta_schedule("power", 3, beta=v),
    "eta_schedule.ratio": lambda v: eta_schedule("geometric", 3, ratio=v),
    "activation.alpha": lambda v: asy.activation("alpha_relu", alpha=v),
    "activation.b": lambda v: asy.activation("leaky_relu", b=v),
    "iterate.sigma_w": lambda v: asy.iterate("rrn", "relu", v, 0.1, depth=5),
    "iterate.e0": lambda v: asy.iterate("rrn", "relu", 1.0, 0.1, depth=5, e0=v),
    "iterate.sigma_b.dps": lambda v: asy.iterate("rrn", "relu", 1.0, v, depth=2, dps=15),
    "simulate.sigma_w": lambda v: asy.simulate(
        "feedforward", "relu", v, 0.1, width=4, depth=2, samples=2
    ),
    "simulate.sigma_b": lambda v: asy.simulate(
        "feedforward", "relu", 1.0, v, width=4, depth=2, samples=2
    ),
}


@pytest.mark.parametrize("text", BAD_TEXT, ids=repr)
@pytest.mark.parametrize("slot", sorted(SLOTS))
def test_bad_text_in_every_numeric_slot_is_refused_fast(slot, text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    with pytest.raises((ValueError, TypeError)):
        SLOTS[slot](text)
    elapsed = time.perf_counter() - start
    assert not (tmp_path / "PWNED").exists()
    assert elapsed < 2.0, f"{slot} took {elapsed:.1f} s to refuse {text!r}"


@pytest.mark.parametrize("slot", sorted(SLOTS))
def test_the_slots_accept_a_plain_value(slot):
    """The parametrization above is meaningful: each slot works with an ordinary value."""
    value = {
        "correlation_map.c": "0.5",
        "cross_moment.q12": "1/2",
        "iterate.e0": "0.5",
        "activation.b": "0.01",
        "nngp_ntk.x1": 1.0,
        "ratio_moments.eta": "1/2",
        "eta_schedule.ratio": "1/2",
        "eta_schedule.beta": "1",
        "output_length_moments.weight_kurtosis": "3",
    }.get(slot, "1/2")
    SLOTS[slot](value)


# ---------------------------------------------------------------------------------------
# SymPy's parser is never handed text
# ---------------------------------------------------------------------------------------
@pytest.fixture
def sympy_refuses_text(monkeypatch):
    """Patch sympy.sympify / nsimplify / parse_expr to fail when given a str."""

    def guard(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if args and isinstance(args[0], str):
                raise AssertionError(f"sympy.{name} called with text {args[0]!r}")
            return original(*args, **kwargs)

        return wrapped

    for name in ("sympify", "nsimplify", "parse_expr"):
        monkeypatch.setattr(sympy, name, guard(name, getattr(sympy, name)))


def test_string_numbers_never_reach_sympy_parser(sympy_refuses_text):
    laws = asy.leading_laws("rrn", "relu", "0.5", "1/3")
    assert laws["p"].numbers[sigma("w")] == sympy.Rational(1, 2)
    assert laws["p"].numbers[sigma("b")] == sympy.Rational(1, 3)
    assert laws["p"].law == "exponential"
    act = asy.activation("alpha_relu", alpha="0.75")
    laws = asy.leading_laws("frn", act, "1", "0", sigma_v="1", sigma_a="0")
    assert laws["p"].law == "power"
    assert asy.spectrum_moments("relu", "sqrt(2)", "0", depth=2, order=3, exact=True) == [1, 5, 33]
    assert asy.spectrum_moments("linear", "1", 0, depth=2, order=3, exact=True) == [1, 3, 12]
    act = asy.activation("alpha_relu", alpha="1/3")
    assert act.sympy_subs == {sympy.Symbol("alpha", real=True): sympy.Rational(1, 3)}
    assert act.homogeneity_degree_exact == sympy.Rational(1, 3)
    assert asy.activation("leaky_relu", b="0.5").float_params["b"] == 0.5
    m = asy.output_length_moments([10, 20, 30, 40], "sqrt(2)", "0", exact=True)
    assert (m.mean, m.ratio) == (1, sympy.Rational(315, 128))
    m = asy.output_length_moments([10, 20, 30, 40], "sqrt(2)", 0, dps=30)
    assert mpmath.almosteq(m.ratio, mpmath.mpf(315) / 128, 1e-25)
    assert asy.failure_modes([10, 20, 30, 40], "sqrt(2)").mean_ratio == 1.0
    assert ratio_moments("1/2", 10, gain="1") == (sympy.Rational(5, 4), sympy.Rational(3, 20))
    assert asy.mean_field("tanh", "1/3", "0.5", dps=20).phase == "ordered"
    assert asy.mean_field("tanh", "1/3", "0.5").phase == "ordered"
    with mpmath.workdps(20):
        w = asy.cross_moment("erf", "1/2", "1/2", "1/4", dps=20)
        # W97: (2/pi) arcsin(2 q12 / sqrt((1 + 2 q1)(1 + 2 q2))) = (2/pi) arcsin(1/4)
        assert mpmath.almosteq(w, 2 / mpmath.pi * mpmath.asin(mpmath.mpf(1) / 4), 1e-18)


def test_sympy_expressions_from_a_program_are_still_accepted():
    eta = sympy.Symbol("eta")
    assert ratio_moments(eta, 10) == (eta**2 + 1, 4 * eta**4 / 5 + 2 * eta**2 / 5)
    moments = asy.spectrum_moments("relu", sympy.sqrt(2), 0, depth=2, order=3, exact=True)
    assert moments == [1, 5, 33]
    act = asy.activation("alpha_relu", alpha=sympy.Rational(3, 4))
    assert act.homogeneity_degree_exact == sympy.Rational(3, 4)


def test_law_value_refuses_text():
    law = asy.leading_laws("rrn", "relu", 1, 0.1)["p"]
    with pytest.raises(TypeError, match="expr"):
        law.value(INJECTION)


def test_text_is_exact_and_floats_keep_their_meaning():
    # text: exact decimal; floats: leading_laws reads the decimal a person typed (0.1 -> 1/10),
    # the finite-width moments the float's binary value (documented in parse_real)
    laws = asy.leading_laws("rrn", "relu", 0.1, 0)
    assert laws["p"].numbers[sigma("w")] == sympy.Rational(1, 10)
    from asymptote.finite_width.moments import parse_real

    assert parse_real(0.1, "x") == sympy.Rational(*Fraction(0.1).as_integer_ratio())
    assert parse_real("0.1", "x") == sympy.Rational(1, 10)
    assert parse_real(" sqrt ( 2 ) ", "x") == sympy.sqrt(2)
    with pytest.raises(TypeError, match="x must be a finite real number"):
        parse_real("sqrt(abc)", "x")
    with pytest.raises(ValueError, match="x"):
        parse_real("sqrt(-2)", "x")


# ---------------------------------------------------------------------------------------
# fix 1: zero variance of a discontinuous activation
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dps", [None, 50])
@pytest.mark.parametrize("args", [(0, 0, 0), (0, 1, 0), (2, 0, 0)])
def test_step_cross_moment_at_zero_variance_is_refused(args, dps):
    # W(q1, q2, q12) = 1/4 + arcsin(c)/(2 pi) for q1, q2 > 0: no limit as a variance -> 0
    with pytest.raises(ValueError, match=r"q1 and q2 must be > 0.*step"):
        asy.cross_moment("step", *args, dps=dps)
    with pytest.raises(ValueError, match=r"q1 and q2 must be > 0"):
        asy.cross_moment("alpha_relu", *args, dps=dps, alpha=-0.25)


@pytest.mark.parametrize("dps", [None, 30])
def test_step_cross_moment_depends_on_the_correlation_only(dps):
    for c in (-0.5, 0.0, 0.5):
        for q in (1e-8, 1.0, 1e8):
            w = float(asy.cross_moment("step", q, q, c * q, dps=dps))
            assert w == pytest.approx(0.25 + math.asin(c) / (2 * math.pi), rel=1e-12)


@pytest.mark.parametrize("dps", [None, 30])
def test_continuous_alpha_relu_at_zero_variance_is_the_limit_zero(dps):
    for alpha in (0.3, 1, 1.5):
        assert float(asy.cross_moment("alpha_relu", 0, 1, 0, dps=dps, alpha=alpha)) == 0.0
        assert float(asy.cross_moment("alpha_relu", 0, 0, 0, dps=dps, alpha=alpha)) == 0.0
        # independent: |W(q1, q2, q12)| <= sqrt(V(q1) V(q2)) and V(0) = 0 for alpha > 0
        assert float(asy.second_moment("alpha_relu", 0, dps=dps, alpha=alpha)) == 0.0
        # and W is continuous there: W(eps, 1, 0) -> 0 like eps^(alpha/2)
        small = float(asy.cross_moment("alpha_relu", 1e-12, 1, 0, dps=dps, alpha=alpha))
        assert 0 < small < 1e-12 ** (alpha / 2)
    # Wd of alpha-ReLU at alpha = 1 (ReLU) agrees with the (a, b)-ReLU convention c = 0
    wd = asy.derivative_cross_moment("alpha_relu", 0, 1, 0, dps=dps, alpha=1)
    assert float(wd) == float(asy.derivative_cross_moment("relu", 0, 1, 0, dps=dps)) == 0.25
    assert float(asy.derivative_cross_moment("alpha_relu", 0, 1, 0, dps=dps, alpha=2)) == 0.0
    with pytest.raises(ValueError, match="q1 and q2 must be > 0"):
        asy.derivative_cross_moment("alpha_relu", 0, 1, 0, dps=dps, alpha=0.5)


def test_mpmath_closed_form_dividing_by_zero_is_a_value_error():
    with pytest.raises(ValueError, match="dV"):
        asy.second_moment_slope("step", 0, dps=30)


# ---------------------------------------------------------------------------------------
# fix 2: standard deviations whose square overflows float64
# ---------------------------------------------------------------------------------------
HUGE_SIGMA_CALLS: dict[str, tuple[str, Callable[[float], Any]]] = {
    "mean_field": ("sigma_w", lambda s: asy.mean_field("tanh", s, 0)),
    "mean_field.dps": ("sigma_w", lambda s: asy.mean_field("tanh", s, 0, dps=20)),
    "mean_field.sigma_b": ("sigma_b", lambda s: asy.mean_field("tanh", 1.0, s)),
    "fixed_point_length.dps": ("sigma_b", lambda s: asy.fixed_point_length("tanh", 1, s, dps=20)),
    "critical_point": ("sigma_b", lambda s: asy.critical_point("tanh", s)),
    "critical_point.dps": ("sigma_b", lambda s: asy.critical_point("tanh", s, dps=20)),
    "length_map": ("sigma_w", lambda s: asy.length_map("tanh", s, 0, 1.0)),
    "correlation_map": ("sigma_w", lambda s: asy.correlation_map("tanh", s, 0, 0.5, q=1.0)),
    "nngp_ntk": ("sigma_w", lambda s: asy.nngp_ntk("relu", s, 0, [[1.0]], depth=2)),
    "iterate": ("sigma_w", lambda s: asy.iterate("rrn", "relu", s, 0, depth=3)),
    "simulate": (
        "sigma_w",
        lambda s: asy.simulate("feedforward", "relu", s, 0, width=4, depth=2, samples=2),
    ),
    "spectrum_moments": ("sigma_w", lambda s: asy.spectrum_moments("tanh", s, 0.1, depth=2)),
    "spectrum_moments.exact": (
        "sigma_w",
        lambda s: asy.spectrum_moments("relu", s, 0, depth=2, exact=True),
    ),
}


@pytest.mark.parametrize("value", [1e300, "1e300", "1e5000"])
@pytest.mark.parametrize("call", sorted(HUGE_SIGMA_CALLS))
def test_huge_sigma_is_named_as_too_large(call, value):
    name, f = HUGE_SIGMA_CALLS[call]
    with pytest.raises(ValueError, match=rf"{name}.*(too large|float64)"):
        f(value)


def test_sigma_just_below_the_float64_limit_still_computes():
    # sigma^2 V(q) for ReLU: sigma^2 q / 2, exact in float64 for powers of two
    assert asy.length_map("relu", 2.0**511, 0, 1.0) == 2.0**1021
    k = asy.nngp_ntk("relu", 2.0**500, 0, [[1.0]], depth=0)
    assert float(k.nngp[0, 0]) == 2.0**1000
    # the mpmath path has no float64 limit where it needs no float64 starting guess
    with mpmath.workdps(30):
        v = asy.length_map("relu", "1e300", 0, 1, dps=30)
        assert mpmath.almosteq(v, mpmath.mpf("1e600") / 2, 1e-28)


# ---------------------------------------------------------------------------------------
# fix 3: leading_laws with sigma_w = 0 is the paper's degenerate case (q = sigma_b^2
# constant; tests/residual/test_laws_registry.py checks the laws); negative is refused
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("arch,kw", [("rrn", {}), ("frn", {"sigma_v": 1, "sigma_a": 0})])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_leading_laws_sigma_w_zero_is_the_constant_q_case(arch, kw, activation):
    for zero in (0, "0.0"):
        laws = asy.leading_laws(arch, activation, zero, 0.1, **kw)
        assert laws["q"].law == "constant"
    with pytest.raises(ValueError, match=r"sigma_w must be >= 0"):
        asy.leading_laws(arch, activation, "-0.5", 0.1, **kw)


def test_leading_laws_feedforward_with_sigma_w_zero_still_reports_unknown():
    laws = asy.leading_laws("feedforward", "relu", 0, 0.1)
    assert {law.law for law in laws.values()} == {"unknown"}


# ---------------------------------------------------------------------------------------
# fix 4: finite width, E[M_d] = 0
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("exact,dps", [(True, None), (False, 30), (False, None)])
def test_output_length_ratio_undefined_when_the_mean_is_zero(exact, dps):
    with pytest.raises(ValueError, match=r"sigma_w must be > 0.*0/0"):
        asy.output_length_moments([10, 20], 0, 0, exact=exact, dps=dps)
    with pytest.raises(ValueError, match=r"sigma_w must be > 0 \(got 0 in layer 2"):
        asy.output_length_moments([10, 20], [1, 0], 0, exact=exact, dps=dps)
    with pytest.raises(ValueError, match=r"input_length must be > 0"):
        asy.output_length_moments([10, 20], 1, 0, input_length=0, exact=exact, dps=dps)


def test_a_bias_after_a_dead_layer_revives_the_mean():
    # layer 1 outputs exactly 0; layer 2 is relu(b) with b ~ N(0, 1) in n = 20 units:
    # E M = 1/2, E M^2 = E[relu(b)^4]/n + (1 - 1/n)/4 = (3/2)/20 + 19/80 = 5/16, ratio 5/4
    m = asy.output_length_moments([10, 20], [0, 1], [0, 1], exact=True)
    assert m.mean == sympy.Rational(1, 2)
    assert m.second_moment == sympy.Rational(5, 16)
    assert m.ratio == sympy.Rational(5, 4)


def test_failure_modes_need_sigma_w_positive():
    with pytest.raises(ValueError, match=r"sigma_w must be > 0.*0/0"):
        asy.failure_modes([10, 20], 0)
    with pytest.raises(ValueError, match=r"sigma_w must be > 0 \(got 0 in layer 2\)"):
        asy.failure_modes([10, 20], ["sqrt(2)", 0], dps=20)
    fm = asy.failure_modes([10, 20], 1)
    assert fm.mean_ratio == 0.25 and fm.second_moment_ratio == pytest.approx(1.5 * 1.25)


# ---------------------------------------------------------------------------------------
# the converters themselves
# ---------------------------------------------------------------------------------------
def test_to_mpf_and_to_float_keep_their_error_kinds():
    from asymptote._precision import to_float, to_mpf

    with mpmath.workdps(30):
        assert to_mpf("1/3", "x") == mpmath.mpf(1) / 3
        assert to_mpf(" 2.5e-3 ", "x") == mpmath.mpf(25) / 10000
        for f in (to_mpf, to_float):
            with pytest.raises(TypeError, match="x must be a real number"):
                f("abc", "x")
            with pytest.raises(TypeError, match="x must be a real number"):
                f(INJECTION, "x")
            for text in ("nan", "inf", HUGE_EXPONENT, "1/0"):
                with pytest.raises(ValueError, match="x"):
                    f(text, "x")
    assert to_float("1/3", "x") == 1 / 3
    with pytest.raises(ValueError, match="float64"):
        to_float("1e400", "x")
    assert to_float(np.float32(0.5), "x") == 0.5
