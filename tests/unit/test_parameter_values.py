"""A float activation parameter means the same number on every route: the decimal it prints
(``b=0.01`` is one hundredth) in the SymPy declaration and in the mpmath evaluators."""

from __future__ import annotations

import mpmath
import sympy

from asymptote import activation


def test_float_parameter_is_the_same_number_symbolically_and_in_mpmath():
    act = activation("leaky_relu", b=0.01)
    (b_symbol,) = [s for s in act.sympy_subs if str(s) == "b"]
    assert act.sympy_subs[b_symbol] == sympy.Rational(1, 100)
    with mpmath.workdps(40):
        names = [p.name for p in act.spec.params]
        b_mp = act.mp_params()[names.index("b")]
        # one rounding of 1/100 at 40 digits, not the binary float 0.01000000000000000020816...
        assert abs(b_mp - mpmath.mpf(1) / 100) < mpmath.mpf(10) ** -41
        assert abs(act.phi_mp(mpmath.mpf(-3)) - mpmath.mpf(-3) / 100) < mpmath.mpf(10) ** -40
