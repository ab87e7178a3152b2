"""Registration checks every evaluator against the SymPy declaration, and the generic
tests catch what slips past it (issue "One recurrence, one backend", item 5).

Throwaway activations are registered inside ``temporary_registration`` (unregistered on
exit, even on failure), under names no other test uses.
"""

from __future__ import annotations

import dataclasses
import math

import mpmath
import numpy as np
import pytest
import sympy

import asymptote
from asymptote.activations import ClosedForm, _registry, activation, list_activations, specs
from asymptote.activations._base import ActivationSpec, Q, X
from asymptote.activations._registry import register, temporary_registration, unregister
from tests.properties.test_fast_vs_mpmath import assert_fast_matches_mpmath


def _sech2(x):
    e = np.exp(-2 * np.abs(np.asarray(x, dtype=float)))
    return 4 * e / (1 + e) ** 2


def _tanh_like(name, numpy_dphi):
    """tanh, declared as usual, with a hand-written float64 derivative ``numpy_dphi``."""
    return ActivationSpec(
        name=name,
        phi=sympy.tanh(X),
        description="tanh with a hand-written derivative (test)",
        references=("PLRSG16 Sec. 3",),
        singularity_distance=math.pi / 2,
        numpy_phi=np.tanh,
        numpy_dphi=numpy_dphi,
    )


def _wrong_dphi(x):
    """sech instead of sech^2: the kind of slip that made chi_1 0.476 instead of 0.657."""
    e = np.exp(-np.abs(np.asarray(x, dtype=float)))
    return 2 * e / (1 + e * e)


@pytest.fixture
def no_evaluator_checks(monkeypatch):
    """Bypass the registry's evaluator checks (what the library did before them)."""
    monkeypatch.setattr(_registry, "check_evaluators", lambda *args, **kwargs: None)


# ----------------------------------------------------------------------------------------
# (a) registration refuses a planted wrong derivative
# ----------------------------------------------------------------------------------------
def test_registration_refuses_a_planted_wrong_derivative():
    with pytest.raises(ValueError, match=r"planted_dphi.*numpy_dphi.*x = -3\.7"):
        with temporary_registration(_tanh_like("planted_dphi", _wrong_dphi)):
            pass
    assert "planted_dphi" not in list_activations()  # nothing left behind


def test_lazy_registration_refuses_the_planted_derivative_on_first_binding():
    """Built-in modules register lazily (import stays fast): the first binding checks."""
    spec = register(_tanh_like("planted_lazy", _wrong_dphi))
    try:
        for _ in range(2):  # refused every time, not only once
            with pytest.raises(ValueError, match=r"planted_lazy.*numpy_dphi"):
                activation("planted_lazy")
    finally:
        unregister(spec.name)


def test_the_same_declaration_with_the_right_derivative_is_accepted():
    with temporary_registration(_tanh_like("right_dphi", _sech2)):
        act = activation("right_dphi")
        assert act.dphi_np(0.3) == pytest.approx(1 - math.tanh(0.3) ** 2, rel=1e-15)


# ----------------------------------------------------------------------------------------
# (b) with the checks bypassed, the registry-parametrized generic test catches it
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("q", [0.25, 1.7, 30.0])
def test_generic_fast_path_test_catches_the_planted_derivative(no_evaluator_checks, q):
    with temporary_registration(_tanh_like("planted_bypass", _wrong_dphi)):
        act = activation("planted_bypass")  # no check: the monkeypatch bypasses it
        assert_fast_matches_mpmath(act, "V", (q,))  # phi is right: V agrees
        with pytest.raises(AssertionError):
            assert_fast_matches_mpmath(act, "Vd", (q,))  # E[phi'^2], hence chi_1, is wrong


def test_the_generic_check_passes_the_right_derivative(no_evaluator_checks):
    """Control: the AssertionError above comes from the planted error, not the harness."""
    with temporary_registration(_tanh_like("right_bypass", _sech2)):
        assert_fast_matches_mpmath(activation("right_bypass"), "Vd", (1.7,))


# ----------------------------------------------------------------------------------------
# other hand-written evaluators: closed forms
# ----------------------------------------------------------------------------------------
def _with_closed_form(name, key, **changes):
    erf = specs()["erf"]
    forms = dict(erf.closed_forms)
    forms[key] = dataclasses.replace(forms[key], **changes)
    return dataclasses.replace(erf, name=name, closed_forms=forms)


@pytest.mark.parametrize(
    ("key", "backend", "wrong"),
    [
        ("V", "numpy", lambda q: 2 / math.pi * np.arctan2(2 * q, np.sqrt(1 + 2 * q))),
        ("W", "numpy", lambda q1, q2, q12: 2 / math.pi * np.arcsin(2 * q12 / (1 + q1 + q2))),
        (
            "V",
            "mpmath",
            lambda q: 2 / mpmath.pi * mpmath.asin(2 * q / (1 + 2 * q)) * (1 + q**9 / 10**22),
        ),
    ],
    ids=["V-numpy", "W-numpy", "V-mpmath-1e-22"],
)
def test_registration_refuses_a_wrong_hand_written_closed_form(key, backend, wrong):
    """The mpmath case is wrong by ~1e-22 relative only: the 30-digit check sees it."""
    spec = _with_closed_form(f"planted_{key.lower()}_{backend}", key, **{backend: wrong})
    with pytest.raises(ValueError, match=rf"closed form {key} \(hand-written {backend}\)"):
        with temporary_registration(spec):
            pass


# ----------------------------------------------------------------------------------------
# Abs / sign: derivatives without DiracDelta; unevaluable declarations refused
# ----------------------------------------------------------------------------------------
SOFTSIGN = ActivationSpec(
    name="softsign_throwaway",
    phi=X / (1 + sympy.Abs(X)),
    description="softsign x/(1 + |x|) (test)",
    references=("SGGS17 Sec. 3",),
)


def test_abs_differentiates_without_dirac_delta():
    with temporary_registration(SOFTSIGN):
        spec = specs()["softsign_throwaway"]
        assert not spec.dphi.has(sympy.DiracDelta)
        assert not spec.d2phi.has(sympy.DiracDelta)
        assert activation("softsign_throwaway").kinks == (0.0,)  # from Abs: quadrature splits


@pytest.mark.parametrize(("sigma_w", "sigma_b"), [(1.5, 0.1), (3.0, 0.5)])
def test_softsign_declared_with_abs_gives_chi_1_of_an_independent_quadrature(sigma_w, sigma_b):
    """``x/(1 + Abs(x))`` used to register and then die in mean_field with
    ``NameError: DiracDelta``. Reference: phi and phi' = 1/(1+|x|)^2 written by hand,
    mpmath quadrature split at 0 at 30 digits. Tolerance 1e-10: the float64 path's
    transforms are good to ~1e-13 (Gauss-Legendre split at the kink), and chi_1 depends
    on q* with O(1) conditioning."""
    with temporary_registration(SOFTSIGN):
        point = asymptote.mean_field("softsign_throwaway", sigma_w, sigma_b)
    with mpmath.workdps(30):
        q = mpmath.mpf(point.q_star)
        root = mpmath.sqrt(q)

        def gauss(f):
            return mpmath.quad(lambda z: f(root * z) * mpmath.npdf(z), [-mpmath.inf, 0, mpmath.inf])

        length_map = sigma_w**2 * gauss(lambda x: (x / (1 + abs(x))) ** 2) + sigma_b**2
        chi_1 = sigma_w**2 * gauss(lambda x: (1 + abs(x)) ** -4)
        assert abs(length_map - q) <= mpmath.mpf("1e-10") * q  # q* is the fixed point
        assert abs(point.chi_1 - chi_1) <= mpmath.mpf("1e-10") * chi_1


@pytest.mark.parametrize(
    ("phi", "match"),
    [
        (sympy.DiracDelta(X) + X, "DiracDelta"),
        (sympy.Function("f")(X), r"f\(x\)"),
        (
            sympy.tanh(sympy.Symbol("beta") * X),
            r"\['beta'\], which are neither x .* nor a declared parameter",
        ),
    ],
    ids=["dirac-delta", "undefined-function", "stray-symbol"],
)
def test_registration_refuses_unevaluable_declarations(phi, match):
    spec = ActivationSpec(name="unevaluable", phi=phi, description="test", references=("P58",))
    with pytest.raises(ValueError, match=match):
        register(spec)
    assert "unevaluable" not in list_activations()


def test_registration_refuses_an_expression_numpy_cannot_evaluate():
    """The sine integral has an mpmath evaluator but none in numpy: refused with the name
    of the evaluator, not a NameError deep inside a transform later."""
    spec = ActivationSpec(
        name="sine_integral", phi=sympy.Si(X), description="t", references=("P58",)
    )
    with pytest.raises(
        ValueError, match=r"sine_integral.*phi \(lambdified numpy\).*cannot be evaluated"
    ):
        with temporary_registration(spec):
            pass


def test_closed_form_symbols_are_checked():
    bad = ClosedForm(Q * sympy.Symbol("q_2"), "P58")
    spec = dataclasses.replace(specs()["sin"], name="bad_form", closed_forms={"V": bad})
    with pytest.raises(ValueError, match="closed form V"):
        register(spec)


# ----------------------------------------------------------------------------------------
# the registry's own bookkeeping
# ----------------------------------------------------------------------------------------
def test_temporary_registration_unregisters_on_error():
    with pytest.raises(RuntimeError):
        with temporary_registration(_tanh_like("short_lived", _sech2)):
            assert "short_lived" in list_activations()
            raise RuntimeError
    assert "short_lived" not in list_activations()
    with temporary_registration(_tanh_like("short_lived", _sech2)):  # the name is free again
        pass


def test_a_name_registered_again_does_not_reuse_the_old_bindings():
    """BoundActivation equality includes the declaration object, so caches keyed by a
    binding (the fast path's Chebyshev tables) never serve an earlier declaration."""
    with temporary_registration(_tanh_like("reused_name", _sech2)):
        first = activation("reused_name")
    with temporary_registration(dataclasses.replace(SOFTSIGN, name="reused_name")):
        second = activation("reused_name")
    assert first != second
