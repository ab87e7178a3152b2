"""Float64 NNGP/NTK off the diagonal near c = +-1 and in deep critical ReLU networks, against
the mpmath recursion at 40 digits (``nngp_ntk(..., dps=40)``), and the compiled transform
pairs against the registered closed forms.

Tolerances. The compiled engine carries the gaps sqrt(q1 q2) -+ lambda without cancellation
and the diagonal, sigma_w^2 and the NTK in double-double, so the arc-cosine family keeps
float64 accuracy near c = 1 (measured: <= 3e-15 at depth 1000); 1e-14 is the issue's bound.
erf and sin form the gap after the nonlinearity by subtraction (an ulp of sqrt(q1 q2)),
which their analytic kernels do not amplify in the ordered phase used here (measured
<= 2e-14 at depth 30); they are held to 1e-13.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from asymptote.activations import activation, presets, specs
from asymptote.activations._checks import sample_params
from asymptote.kernels import compiled_pair as fused_family
from asymptote.kernels import nngp_ntk
from asymptote.numeric.double_double import dd_add, dd_mul, dd_sqrt, two_prod, two_sum
from asymptote.numeric.kernel_engine import ARCCOS1, pair_transform
from asymptote.transforms import transform


def _closed_form_activations():
    """Every registered family with a closed-form W, at its sample parameters and presets."""
    out = []
    for name, spec in sorted(specs().items()):
        if "W" not in spec.symbolic_forms:
            continue
        out.append((name, dict(sample_params(spec))))
        for pname, preset in sorted(presets().items()):
            if preset.family == name:
                out.append((pname, {}))
    return out


CASES = _closed_form_activations()


def _bound(name, params):
    return activation(name, **params)


def _near_parallel_inputs():
    """Rows: a random vector, its exact copy, a copy scaled by 1 + 2^-30 (c = 1, unequal
    norms), perturbations by 1e-7 and 1e-4, an almost opposite vector, an unrelated one."""
    rng = np.random.default_rng(7)
    x0 = rng.normal(size=4)
    return np.array(
        [
            x0,
            x0,
            x0 * (1 + 2.0**-30),
            x0 + 1e-7 * rng.normal(size=4),
            x0 + 1e-4 * rng.normal(size=4),
            -x0 + 1e-6 * rng.normal(size=4),
            rng.normal(size=4),
        ]
    )


def _max_rel_error(fast, ref):
    worst = 0.0
    with mpmath.workdps(40):
        for i in range(fast.shape[0]):
            for j in range(fast.shape[1]):
                r = ref[i, j]
                worst = max(worst, float(abs(mpmath.mpf(float(fast[i, j])) - r) / abs(r)))
    return worst


def _admissible(act):
    return all(act.undefined_reason(k) is None for k in ("W", "Wd", "V", "Vd"))


@pytest.mark.parametrize("name,params", CASES, ids=[c[0] for c in CASES])
def test_off_diagonal_near_c_one_matches_mpmath(name, params):
    act = _bound(name, params)
    if not _admissible(act):
        pytest.skip(f"{act!r}: the NTK diverges (E[phi'^2] infinite)")
    family = fused_family(act)
    if family is None:
        pytest.skip(
            f"{act!r} has no compiled transform pair; its float64 path takes arccos of a "
            f"rounded c and is not held to 1e-14 near c = 1"
        )
    x = _near_parallel_inputs()
    sw, sb, depth = (1.5, 0.1, 10) if family.code == ARCCOS1 else (1.2, 0.1, 20)
    fast = nngp_ntk(act, sw, sb, x, depth=depth)
    ref = nngp_ntk(act, sw, sb, x, depth=depth, dps=40)
    tol = 1e-14 if family.code == ARCCOS1 else 1e-13
    assert _max_rel_error(fast.nngp, ref.nngp) <= tol
    assert _max_rel_error(fast.ntk, ref.ntk) <= tol


def test_cli_example_equal_inputs():
    """issue 13: relu, sigma_w 1.5, sigma_b 0.1, depth 10, x1 = x2 = (1, 0) gave the
    off-diagonal NTK with relative error 1e-8."""
    x = [[1.0, 0.0], [1.0, 0.0]]
    fast = nngp_ntk("relu", 1.5, 0.1, x, depth=10)
    ref = nngp_ntk("relu", 1.5, 0.1, x, depth=10, dps=40)
    assert _max_rel_error(fast.ntk, ref.ntk) <= 1e-15
    assert _max_rel_error(fast.nngp, ref.nngp) <= 1e-15
    cross = nngp_ntk("relu", 1.5, 0.1, x[:1], x[1:], depth=10)
    assert _max_rel_error(cross.ntk, ref.ntk[0:1, 1:2]) <= 1e-15


@pytest.mark.slow
@pytest.mark.parametrize("sigma_b", [0.0, 0.1])
def test_deep_critical_relu_depth_1000(sigma_b):
    """He initialization (sigma_w = sqrt(2) as a float, taken exactly by both paths): the
    correlation map is marginal at c = 1, so float64 roundings of sigma_w^2 or of 1 - c
    would accumulate over the 1000 layers; the textbook recursion loses up to 9 digits.

    NNGP: 1e-14 (measured 2e-16). NTK: each layer multiplies by W_d = V_d - (2/pi) m^2 t
    with the angle t = arccos c from a float64 atan2 (relative error ~ 2 ulps), so the NTK
    collects sum_l (2/pi)(m^2/V_d) 2u t_l = (2/pi) u sum_l t_l, u = 2^-53, and t_l ~ 3 pi / l
    on the critical line: about (2/pi) u 3 pi ln(1000) ~ 2e-15 per ulp of atan2, measured
    1.2e-14 for pairs that start far from c = 1. Bound 2e-14 (not the issue's 1e-14; see
    the report of issue 14)."""
    rng = np.random.default_rng(3)
    x0 = rng.normal(size=3)
    x = np.array([x0, x0, x0 + 1e-8 * rng.normal(size=3), rng.normal(size=3)])
    fast = nngp_ntk("relu", math.sqrt(2), sigma_b, x, depth=1000)
    ref = nngp_ntk("relu", math.sqrt(2), sigma_b, x, depth=1000, dps=40)
    assert _max_rel_error(fast.nngp, ref.nngp) <= 1e-14
    assert _max_rel_error(fast.ntk[:3, :3], ref.ntk[:3, :3]) <= 1e-14  # near c = 1 throughout
    assert _max_rel_error(fast.ntk, ref.ntk) <= 2e-14


def _gap_points():
    """(q1, q2, gap): variances with exact square roots, so S = sqrt(q1 q2) is exact."""
    pts = []
    for q1, q2 in ((4.0, 4.0), (2.25, 4.0), (0.25, 9.0)):
        s = math.sqrt(q1) * math.sqrt(q2)
        for rel in (0.0, 1e-15, 1e-9, 1e-4, 0.3, 0.9, 1.6, 2.0 - 1e-7):
            pts.append((q1, q2, rel * s))
    return pts


@pytest.mark.parametrize("name,params", CASES, ids=[c[0] for c in CASES])
def test_compiled_transform_pair_is_the_registered_closed_form(name, params):
    """W, W_d and the gaps sqrt(V1 V2) -+ W of the compiled pair against the registry's
    closed forms at 40 digits (q12 = sqrt(q1 q2) - gap formed exactly)."""
    act = _bound(name, params)
    family = fused_family(act)
    if family is None or not _admissible(act):
        pytest.skip(f"{act!r} has no compiled transform pair")
    for q1, q2, gap in _gap_points():
        w, gw, hw, wd = pair_transform(family, q1, q2, gap)
        with mpmath.workdps(40):
            s = mpmath.sqrt(mpmath.mpf(q1) * q2)
            q12 = s - mpmath.mpf(gap)
            wm = transform("W", act, q1, q2, q12, dps=40)
            wdm = transform("Wd", act, q1, q2, q12, dps=40)
            root = mpmath.sqrt(transform("V", act, q1, dps=40) * transform("V", act, q2, dps=40))
            scale = abs(root) + abs(wm)
            assert abs(w - wm) <= 4e-16 * scale * (
                1.0 if family.code == ARCCOS1 else 2.0 + (q1 + q2) / 2
            )
            # W_d is V_d minus a term (c >= 0): an ulp of V_d where W_d crosses zero (abs)
            vd = abs(transform("Vd", act, math.sqrt(q1 * q2), dps=40))
            # sin: exp(-(q1 + q2)/2 + |q12|) has the relative condition number of its exponent
            cond = 1.0 if family.code == ARCCOS1 else 2.0 + (q1 + q2) / 2
            ref = max(abs(wdm), vd if family.code == ARCCOS1 else 0)
            assert abs(wd - wdm) <= 4e-16 * cond * ref
            if family.code == ARCCOS1:  # cancellation-free gaps: relative accuracy
                assert abs(gw - (root - wm)) <= 1e-15 * abs(root - wm) + 1e-300
                assert abs(hw - (root + wm)) <= 1e-15 * abs(root + wm) + 1e-300
            else:  # formed by subtraction: an ulp of sqrt(V1 V2)
                assert abs(gw - max(root - wm, 0)) <= 4e-16 * scale
                assert abs(hw - max(root + wm, 0)) <= 4e-16 * scale


def test_double_double_helpers_are_exact_or_106_bit():
    rng = np.random.default_rng(0)
    for a, b in rng.normal(scale=[1.0, 1e-5], size=(300, 2)):
        a, b = float(a), float(b)
        p, e = two_prod(a, b)
        assert Fraction(p) + Fraction(e) == Fraction(a) * Fraction(b)
        s, e = two_sum(a, b)
        assert Fraction(s) + Fraction(e) == Fraction(a) + Fraction(b)
        hi, lo = dd_mul(a, 0.0, b, 0.0)
        assert Fraction(hi) + Fraction(lo) == Fraction(a) * Fraction(b)
        hi, lo = dd_add(a, a * 2**-60, b, 0.0)
        exact = Fraction(a) + Fraction(a * 2**-60) + Fraction(b)
        assert abs(Fraction(hi) + Fraction(lo) - exact) <= abs(exact) * Fraction(1, 2**100)
    with mpmath.workdps(50):
        hi, lo = dd_sqrt(2.0, 0.0)
        assert abs(mpmath.mpf(hi) + mpmath.mpf(lo) - mpmath.sqrt(2)) < mpmath.mpf(2) ** -104
