"""An activation that approaches its limits algebraically (softsign, x/(1 + |x|) [GB10]):
the laws' corrections carry the log factor its tails force, and the iteration shows it.

Softsign is registered for the duration of the module only (as docs/adding_an_activation.md
shows); the registry's other activations are unchanged."""

from __future__ import annotations

import pytest
import sympy

from asymptote.activations import activation
from asymptote.activations._base import ActivationSpec, X
from asymptote.activations._registry import register, unregister
from asymptote.asymptotics import leading_laws
from asymptote.asymptotics.constants import classify, correction_order
from asymptote.recurrences.iterate import iterate

from .test_laws_registry import check_linear_growth_deficit


@pytest.fixture(scope="module")
def softsign():
    register(
        ActivationSpec(
            name="softsign_test",
            phi=X / (1 + sympy.Abs(X)),
            description="softsign x/(1 + |x|) (test only)",
            references=("GB10 Sec. 2",),
            citations={"GB10": "X. Glorot and Y. Bengio, Understanding the difficulty of "
                       "training deep feedforward neural networks, AISTATS 2010, Sec. 2."},
        )  # fmt: skip
    )
    yield activation("softsign_test")
    unregister("softsign_test")


def test_approach_order_is_read_from_phi(softsign):
    # 1 - x/(1+x) = 1/(1+x): order 1; tanh, erf reach their limits faster than any power
    assert classify(softsign).tail_approach == 1
    assert correction_order(classify(softsign)) == (sympy.Rational(1, 2), True)
    for name in ("tanh", "erf", "sigmoid"):
        assert classify(activation(name)).tail_approach == sympy.oo
        assert correction_order(classify(activation(name))) == (sympy.Rational(1, 2), False)


def test_laws_carry_the_log_correction(softsign):
    laws = leading_laws("frn", softsign, 1.0, 0.2, sigma_v=1.0, sigma_a=0.5)
    assert laws["p"].law == "power" and laws["p"].log_corrections == (0.5,)
    assert laws["e"].log_corrections == (0.5,)
    tanh = leading_laws("frn", "tanh", 1.0, 0.2, sigma_v=1.0, sigma_a=0.5)
    assert tanh["p"].log_corrections == ()


@pytest.mark.slow
def test_iteration_shows_the_log_correction(softsign):
    # ~40 s: softsign has no closed form, every layer is a quadrature
    laws = leading_laws("frn", softsign, 1.0, 0.2, sigma_v=1.0, sigma_a=0.5)
    traj = iterate("frn", softsign, 1.0, 0.2, sigma_v=1.0, sigma_a=0.5, depth=120, e0=0.3,
                   compiled=False)  # fmt: skip
    check_linear_growth_deficit(laws["p"], traj)
