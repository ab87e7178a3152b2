"""Residual-network recurrences: derivation, fast path vs mpmath, compiled vs numpy, Monte Carlo.

Independent references: the recurrences of [YS17, Thm. B.1.x/B.2.x] typed in by hand; the
mpmath path (plain p, m, gamma at 30 digits); the exact solution of the linear ReLU
recurrence; finite random networks (asymptote.finite_width.montecarlo).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from asymptote.activations import activation
from asymptote.recurrences import recurrence
from asymptote.recurrences.iterate import iterate
from asymptote.recurrences.symbols import Mphi, Vdphi, Vphi, Wphi, gamma, lam, m, p, q, sigma

sw, sb, sv, sa = (sigma(n) for n in "wbva")


def test_frn_recurrence_matches_ys17_by_hand() -> None:
    rec = recurrence("frn")
    assert sympy.simplify(rec.pre[q] - (sw**2 * p + sb**2)) == 0
    assert sympy.simplify(rec.state[p] - (p + sv**2 * Vphi(q) + sa**2)) == 0
    assert sympy.simplify(rec.state[gamma] - (gamma + sv**2 * Wphi(q, lam) + sa**2)) == 0
    assert sympy.simplify(rec.gradient_factor - (1 + sv**2 * sw**2 * Vdphi(q))) == 0
    assert sympy.simplify(rec.parameter_gradients["w"] - sv**2 * Vdphi(q) * p) == 0
    assert sympy.simplify(rec.parameter_gradients["v"] - Vphi(q)) == 0


def test_rrn_recurrence_keeps_the_mean_term() -> None:
    rec = recurrence("rrn")
    expected = p + Vphi(q) + 2 * m * Mphi(q)
    assert sympy.simplify(rec.state[p] - expected) == 0
    assert sympy.simplify(rec.state[m] - (m + Mphi(q))) == 0
    assert sympy.simplify(rec.gradient_factor - (1 + sw**2 * Vdphi(q))) == 0


def test_feedforward_recurrence_is_the_length_map() -> None:
    rec = recurrence("feedforward")
    assert rec.state[p] == Vphi(q)
    assert sympy.simplify(rec.gradient_factor - sw**2 * Vdphi(q)) == 0


def test_latex_mentions_every_state_line() -> None:
    text = recurrence("frn").latex()
    for token in (r"\mathcal{V}\phi", r"\mathcal{W}\phi", r"\chi^{l-1}", r"\chi_{w}^{l}"):
        assert token in text


def _fast_vs_mpmath_cases() -> list[tuple[str, str, dict[str, str], dict[str, float]]]:
    """Every catalogued architecture x every activation family with a closed-form cross
    moment (the mpmath path then costs milliseconds per layer), from the registries:
    a new architecture or activation is picked up here with no edit. Branch standard
    deviations beyond sigma_w, sigma_b (frn's sigma_v, sigma_a) come from the recurrence's
    declared parameters."""
    from asymptote.activations import specs
    from asymptote.activations._checks import sample_params
    from asymptote.recurrences.catalog import ARCHITECTURES

    # each family at its sample parameters (defaults, as the registration check uses)
    per_family = {
        name: (name, {k: str(v) for k, v in sample_params(spec).items()})
        for name, spec in sorted(specs().items())
        if "W" in spec.symbolic_forms
    }
    extra_values = iter([1.1, 0.3, 0.9, 0.5])
    cases = []
    for arch in sorted(ARCHITECTURES):
        branch = {
            s.name: next(extra_values, 0.7)
            for s in sorted(recurrence(arch).parameters, key=lambda s: s.name)
            if s.name not in ("sigma_w", "sigma_b")
        }
        for name, params in per_family.values():
            cases.append((arch, name, params, branch))
    return cases


CASES = _fast_vs_mpmath_cases()


@pytest.mark.parametrize(("arch", "name", "params", "extra"), CASES)
def test_fast_path_matches_mpmath(arch, name, params, extra) -> None:
    act = activation(name, **params)
    depth = 25
    fast = iterate(arch, act, 1.3, 0.2, depth=depth, e0=0.3, m0=0.2, **extra)
    ref = iterate(arch, act, "1.3", "0.2", depth=depth, e0="0.3", m0="0.2", dps=30,
                  **{k: str(v) for k, v in extra.items()})
    # float64 through 25 layers of well-conditioned maps: ~1e-13 relative is rounding
    for i in range(depth):
        assert fast.log_p[i] == pytest.approx(float(mpmath.log(ref["p"][i])), abs=1e-12)
        assert fast.e[i] == pytest.approx(float(ref["e"][i]), abs=1e-12)
        assert fast.log_chi[i] == pytest.approx(float(ref["log_chi"][i]), abs=1e-12)
        for n, mult in fast.log_multipliers.items():
            assert mult[i] == pytest.approx(float(ref[f"log_mult_{n}"][i]), abs=1e-12)


@pytest.mark.parametrize("arch", ["frn", "rrn", "feedforward"])
@pytest.mark.parametrize("name", ["relu", "abs"])
def test_compiled_kernel_matches_numpy_path(arch, name) -> None:
    extra = {"sigma_v": 1.0, "sigma_a": 0.4} if arch == "frn" else {}
    e0 = np.array([-0.95, 0.0, 0.5, 0.9999])
    a = iterate(arch, name, 1.1, 0.3, depth=300, e0=e0, compiled=False, **extra)
    b = iterate(arch, name, 1.1, 0.3, depth=300, e0=e0, **extra)
    np.testing.assert_allclose(a.log_p, b.log_p, rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(a.one_minus_e, b.one_minus_e, rtol=1e-11, atol=1e-300)
    np.testing.assert_allclose(a.log_chi, b.log_chi, rtol=1e-13, atol=1e-12)


def test_relu_frn_length_in_log_space_equals_exact_solution() -> None:
    # p^l = B p^{l-1} + c, B = 1 + sv^2 sw^2 / 2, c = sv^2 sb^2 / 2 + sa^2: solved exactly
    sw_, sb_, sv_, sa_, depth = 1.2, 0.3, 0.9, 0.5, 100_000
    t = iterate("frn", "relu", sw_, sb_, sigma_v=sv_, sigma_a=sa_, depth=depth, e0=0.2)
    B = 1 + sv_**2 * sw_**2 / 2
    c = sv_**2 * sb_**2 / 2 + sa_**2
    with mpmath.workdps(30):
        for layer in (1, 10, 1000, depth):
            exact = layer * mpmath.log(B) + mpmath.log(1 + c / (B - 1)) + mpmath.log1p(
                -(c / (B - 1)) / ((1 + c / (B - 1)) * mpmath.mpf(B) ** layer)
            )
            i = int(np.searchsorted(t.layers, layer))
            # relative error of the accumulated log: depth x ~eps
            assert t.log_p[i] == pytest.approx(float(exact), rel=1e-11)
    assert np.isfinite(t.log_p).all() and t.log_p[-1] > 30_000  # p itself would be 1e17000


@settings(max_examples=12, deadline=None)
@given(
    sigma_w=st.floats(0.3, 2.5),
    sigma_b=st.floats(0.0, 1.0),
    sigma_v=st.floats(0.3, 2.0),
    e0=st.floats(-0.99, 0.99),
)
def test_fast_vs_mpmath_relu_frn_property(sigma_w, sigma_b, sigma_v, e0) -> None:
    fast = iterate("frn", "relu", sigma_w, sigma_b, sigma_v=sigma_v, sigma_a=0.2, depth=12, e0=e0)
    ref = iterate("frn", "relu", sigma_w, sigma_b, sigma_v=sigma_v, sigma_a=0.2, depth=12,
                  e0=e0, dps=25)
    assert fast.log_p[-1] == pytest.approx(float(mpmath.log(ref["p"][-1])), abs=1e-12)
    u_ref = float(1 - ref["e"][-1])
    assert fast.one_minus_e[-1] == pytest.approx(u_ref, rel=1e-10)


def test_reduced_resnet_relu_needs_the_mean_term_monte_carlo() -> None:
    from asymptote.finite_width.montecarlo import default_inputs, simulate
    from asymptote.transforms import transform

    width, depth = 400, 8
    x = default_inputs(width)
    m0 = float(x[0].mean())
    mc = simulate("rrn", "relu", 1.0, 0.0, width=width, depth=depth, samples=40, seed=3)
    mean, se = mc["p"]
    theory = iterate("rrn", "relu", 1.0, 0.0, depth=depth, e0=0.5, m0=m0)
    # naive map of YS17 (odd activations): p^l = p^{l-1} + V(q^l)
    naive = [1.0]
    for _ in range(depth):
        naive.append(naive[-1] + transform("V", "relu", naive[-1]))
    p_theory = math.exp(theory.log_p[-1])
    # 4 standard errors plus a 3% allowance for the O(depth/width) finite-width bias
    assert abs(mean[depth] - p_theory) <= 4 * se[depth] + 0.03 * p_theory
    assert abs(mean[depth] - naive[depth]) > 4 * se[depth] + 0.03 * naive[depth]


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="arch"):
        iterate("resnet", "relu", 1.0, 0.0, depth=3)
    with pytest.raises(ValueError, match="sigma_v"):
        iterate("frn", "relu", 1.0, 0.0, depth=3)
    with pytest.raises(ValueError, match="sigma_v"):
        iterate("rrn", "relu", 1.0, 0.0, sigma_v=1.0, depth=3)
    with pytest.raises(ValueError, match="e0"):
        iterate("rrn", "relu", 1.0, 0.0, depth=3, e0=1.5)
    with pytest.raises(ValueError, match="depth"):
        iterate("rrn", "relu", 1.0, 0.0, depth=0)


@pytest.mark.parametrize("gap", [1e-6, 1e-10, 1e-13])
def test_chaotic_erf_gap_near_c_one_keeps_relative_accuracy(gap):
    """Feedforward erf in the chaotic phase (sigma_w = 2) from 1 - e0 = gap: the float64 gap
    1 - e^l follows the 40-digit iteration to 1e-12 relative (the Price branch integrates Wd
    over [q(1 - delta), q] with the width q delta taken directly; the old difference of q
    and q(1 - delta) lost log10(1/delta) digits). e0 is the same binary number on both
    routes (a decimal e0 would differ by 1e-17 absolute, i.e. 1e-4 of the smallest gap)."""
    e0 = 1.0 - gap
    fast = iterate("feedforward", "erf", 2.0, 0.1, depth=30, e0=e0)
    ref = iterate("feedforward", "erf", 2.0, 0.1, depth=30, e0=e0, dps=40)
    ref_gap = np.array([float(1 - x) for x in ref["e"]])
    k = min(len(ref_gap), len(fast.one_minus_e))
    err = np.abs(np.asarray(fast.one_minus_e)[:k] - ref_gap[:k]) / ref_gap[:k]
    assert np.max(err) <= 1e-12, np.max(err)
