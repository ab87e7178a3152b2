"""Slopes of the mean-field maps derived symbolically (recurrences.slope), and the marginal
and cancellation-prone corners of the feedforward theory.

Independent references: the papers' formulas typed in by hand (PLRSG16 eq. (7); SGGS17
eq. (5), (9)); central finite differences of the derived maps at 40 digits (step 1e-15:
truncation h^2 |f'''|/6 ~ 1e-31, rounding of 40-digit map values 1e-40/1e-15 = 1e-25, so
agreement to 1e-20 relative tests the derivative rules, not the arithmetic); hard tanh's
V and E[phi'^2] in closed form (erf, exp) at 80 digits; E[phi'(z)^2] by direct mpmath
quadrature of the declared derivative.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy

from asymptote import ConvergenceError
from asymptote.activations import activation, list_activations, presets, specs
from asymptote.activations._checks import sample_params
from asymptote.backend import backend
from asymptote.feedforward import (
    _derived,
    critical_point,
    fixed_point_length,
    length_map,
    mean_field,
)
from asymptote.recurrences import recurrence, slope
from asymptote.recurrences.bind import evaluator
from asymptote.recurrences.symbols import (
    Gphi,
    Mphi,
    UndefinedDerivative,
    Vdphi,
    Vphi,
    Wdphi,
    Wphi,
    c,
    dVphi,
    gap_form,
    lam,
    q,
    q_1,
    q_2,
    sigma,
)

sw, sb = sigma("w"), sigma("b")
DPS = 40
STEP = mpmath.mpf("1e-15")


def _registry_activations():
    """Every registered name, bound with its defaults or sampled parameters (a new
    activation is covered with no edit here)."""
    out = []
    for name in list_activations():
        spec = specs()[presets()[name].family] if name in presets() else specs()[name]
        params = {} if name in presets() or not spec.params else sample_params(spec)
        out.append(pytest.param(name, params, id=name))
    return out


REGISTRY = _registry_activations()


def _maps():
    step = recurrence("feedforward").pre_activation_step()
    return step[q], step[lam].subs(lam, c * q) / q


# ---------------------------------------------------------------------------------------
# symbolic: the derivative rules and the papers' formulas
# ---------------------------------------------------------------------------------------
def test_transform_derivative_rules():
    # Price's theorem [P58]: d W / d Cov = E[phi' phi']
    assert Wphi(q_1, q_2, lam).diff(lam) == Wdphi(q_1, q_2, lam)
    assert Wphi(q, lam).diff(lam) == Wdphi(q, lam)
    assert Vphi(q).diff(q) == dVphi(q)
    assert sympy.diff(Wphi(q, c * q), c) == q * Wdphi(q, c * q)


@pytest.mark.parametrize(
    "expr,var",
    [
        (Wphi(q_1, q_2, lam), q_1),  # variance derivative at fixed covariance
        (Wphi(q_1, q_2, lam), q_2),
        (Wphi(q, lam), q),
        (Vdphi(q), q),
        (Wdphi(q_1, q_2, lam), lam),  # E[phi'' phi'']: no transform
        (Mphi(q), q),
        (dVphi(q), q),
        (Gphi(q), q),
    ],
)
def test_derivatives_without_a_transform_are_refused(expr, var):
    with pytest.raises(UndefinedDerivative, match="not one of the Gaussian transforms"):
        sympy.diff(expr, var)
    assert issubclass(UndefinedDerivative, NotImplementedError)


def test_derived_slopes_are_the_papers_formulas():
    length, correlation = _maps()
    # chi_1 = sigma_w^2 E[phi'(sqrt(q*) z)^2] [PLRSG16, eq. (7)]
    assert slope(correlation, c, at={c: 1}) == sw**2 * Vdphi(q)
    # chi_q = sigma_w^2 dV/dq [SGGS17, eq. (5)]
    assert slope(length, q) == sw**2 * dVphi(q)
    # chi_c = sigma_w^2 E[phi'(u1) phi'(u2)] at c* [SGGS17, eq. (9)]
    assert slope(correlation, c) == sw**2 * Wdphi(q, c * q)


def test_derived_critical_line_is_the_papers_equation():
    """chi_1 = 1 with the length fixed point: sigma_w^2 = 1/E[phi'^2],
    sigma_b^2 = q - V/E[phi'^2] [PLRSG16, Fig. 2; SGGS17, Sec. 3], the latter as the gap."""
    d = _derived()
    assert sympy.simplify(d.critical_sigma_w**2 - 1 / Vdphi(q)) == 0
    assert d.excess == Gphi(q) / Vdphi(q)
    paper = q - Vphi(q) / Vdphi(q)
    assert sympy.simplify(d.excess.subs(Gphi(q), q * Vdphi(q) - Vphi(q)) - paper) == 0
    assert gap_form(paper) == d.excess


def test_slope_rejects_a_non_symbol():
    with pytest.raises(TypeError, match="Symbol"):
        slope(Vphi(q), q**2)


# ---------------------------------------------------------------------------------------
# numeric: derived slope against a central difference of the derived map, 40 digits
# ---------------------------------------------------------------------------------------
def _bound(name, params, exprs):
    act = activation(name, **params)
    return act, evaluator([exprs], act, backend(DPS))


def _undefined(act, *keys):
    for key in keys:
        reason = act.undefined_reason(key)
        if reason is not None:
            pytest.skip(f"{key} undefined for {act!r}: {reason}")


def _assert_close(derived, difference):
    assert abs(derived - difference) <= mpmath.mpf("1e-20") * max(abs(derived), 1), (
        derived,
        difference,
    )


@pytest.mark.parametrize("name,params", REGISTRY)
def test_chi_q_is_the_derivative_of_the_length_map(name, params):
    length, _ = _maps()
    out = sympy.Symbol("chi_q")
    act = activation(name, **params)
    _undefined(act, "V", "dV")
    _, length_eval = _bound(name, params, {q: length})
    _, slope_eval = _bound(name, params, {out: slope(length, q)})
    with mpmath.workdps(DPS + 12):
        env = {sw: mpmath.mpf("1.3"), sb: mpmath.mpf("0.2")}
        x = mpmath.mpf("0.7")
        up = length_eval({**env, q: x + STEP})[q]
        down = length_eval({**env, q: x - STEP})[q]
        _assert_close(slope_eval({**env, q: x})[out], (up - down) / (2 * STEP))


@pytest.mark.parametrize("name,params", REGISTRY)
def test_chi_c_is_the_derivative_of_the_correlation_map(name, params):
    _, correlation = _maps()
    out = sympy.Symbol("chi_c")
    act = activation(name, **params)
    _undefined(act, "W", "Wd")
    if not (act.closed_form_valid("W") and act.closed_form_valid("Wd")):
        pytest.skip(
            f"{act!r} has no closed-form W: a 40-digit 2-D tanh-sinh quadrature per point takes "
            "minutes; the rule is checked symbolically and on the closed forms"
        )
    _, corr_eval = _bound(name, params, {c: correlation})
    _, slope_eval = _bound(name, params, {out: slope(correlation, c)})
    with mpmath.workdps(DPS + 12):
        env = {sw: mpmath.mpf("1.3"), sb: mpmath.mpf("0.2"), q: mpmath.mpf("0.7")}
        x = mpmath.mpf("0.3")
        up = corr_eval({**env, c: x + STEP})[c]
        down = corr_eval({**env, c: x - STEP})[c]
        _assert_close(slope_eval({**env, c: x})[out], (up - down) / (2 * STEP))


@pytest.mark.parametrize("name,params", REGISTRY)
def test_chi_1_is_the_one_sided_derivative_at_c_equal_one(name, params):
    """Second-order one-sided difference (3 f(1) - 4 f(1-h) + f(1-2h))/(2h), error
    h^2 |f'''|/3: needs the map smooth up to c = 1 (no kinks: with one, W has a
    (1 - c)^{3/2} term and the one-sided difference only reaches h^{1/2})."""
    _, correlation = _maps()
    out = sympy.Symbol("chi_1")
    act = activation(name, **params)
    _undefined(act, "W", "Vd")
    if act.kinks:
        pytest.skip(f"{act!r} has kinks: (1 - c)^(3/2) at c = 1 limits a one-sided difference")
    if not act.closed_form_valid("W"):
        pytest.skip(f"{act!r} has no closed-form W (40-digit 2-D quadrature: minutes)")
    _, corr_eval = _bound(name, params, {c: correlation})
    _, slope_eval = _bound(name, params, {out: slope(correlation, c, at={c: 1})})
    with mpmath.workdps(DPS + 12):
        env = {sw: mpmath.mpf("1.3"), sb: mpmath.mpf("0.2"), q: mpmath.mpf("0.7")}
        f = [corr_eval({**env, c: 1 - k * STEP})[c] for k in (0, 1, 2)]
        difference = (3 * f[0] - 4 * f[1] + f[2]) / (2 * STEP)
        _assert_close(slope_eval(env)[out], difference)


# ---------------------------------------------------------------------------------------
# critical line without cancellation (hard tanh, issue 13)
# ---------------------------------------------------------------------------------------
def _hard_tanh_critical_q(sigma_b: str) -> mpmath.mpf:
    """q with q - V(q)/E[phi'^2](q) = sigma_b^2 for hard tanh, from the closed forms
    V = q (erf(a/sqrt2) - 2 a phi(a)) + erfc(a/sqrt2), E[phi'^2] = erf(a/sqrt2), a = 1/sqrt q,
    at 80 digits (the difference loses up to ~25 digits at sigma_b = 1e-12)."""
    with mpmath.workdps(80):
        target = mpmath.mpf(sigma_b) ** 2

        def excess(x):
            a = 1 / mpmath.sqrt(x)
            vd = mpmath.erf(a / mpmath.sqrt(2))
            v = x * (vd - 2 * a * mpmath.npdf(a)) + mpmath.erfc(a / mpmath.sqrt(2))
            return x - v / vd - target

        lo, hi = target, max(2 * target, mpmath.mpf(1))
        while excess(hi) <= 0:
            hi *= 2
        for _ in range(400):  # bisection: certain, to ~1e-80 relative
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if excess(mid) > 0 else (mid, hi)
        return (lo + hi) / 2


@pytest.mark.parametrize("sigma_b", ["1e-12", "1e-9", "4.3e-9", "1e-6", "1e-3", "0.1", "1", "10"])
def test_hard_tanh_critical_q_matches_closed_form_reference(sigma_b):
    ref = _hard_tanh_critical_q(sigma_b)
    sw_fast, q_fast = critical_point("hard_tanh", float(sigma_b))
    assert abs(q_fast - ref) <= 1e-12 * ref
    with mpmath.workdps(80):
        a = 1 / mpmath.sqrt(ref)
        sw_ref = 1 / mpmath.sqrt(mpmath.erf(a / mpmath.sqrt(2)))
    assert abs(sw_fast - sw_ref) <= 1e-12 * sw_ref
    sw_mp, q_mp = critical_point("hard_tanh", sigma_b, dps=30)
    assert abs(q_mp - ref) <= mpmath.mpf("1e-28") * ref
    assert abs(sw_mp - sw_ref) <= mpmath.mpf("1e-28") * sw_ref


def test_hard_tanh_issue_13_value():
    """The issue's point: 0.0156153653452028363... (the issue's 1/64 belongs to
    sigma_b = 4.3446e-9); the cancelling q - V/Vd gave 0.01552."""
    q_fast = critical_point("hard_tanh", 4.3e-9)[1]
    assert q_fast == pytest.approx(0.0156153653452028363, rel=1e-12)


@pytest.mark.parametrize("sigma_b", ["1e-9", "1e-6"])
def test_smooth_critical_q_at_tiny_bias_against_40_digit_difference(sigma_b):
    """tanh: q - V/E[phi'^2] ~ q^3 cancels to relative q^2; reference: the plain difference
    of 60-digit transforms (quadrature), root by bisection at 60 digits."""
    from asymptote.transforms import transform

    sw_fast, q_fast = critical_point("tanh", float(sigma_b))
    with mpmath.workdps(60):
        target = mpmath.mpf(sigma_b) ** 2

        def excess(x):
            return (
                x - transform("V", "tanh", x, dps=60) / transform("Vd", "tanh", x, dps=60) - target
            )

        lo, hi = (
            mpmath.mpf(q_fast) * (1 - mpmath.mpf("1e-9")),
            mpmath.mpf(q_fast) * (1 + mpmath.mpf("1e-9")),
        )
        assert excess(lo) < 0 < excess(hi)
        for _ in range(40):  # to 1e-21 relative
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if excess(mid) > 0 else (mid, hi)
        ref = (lo + hi) / 2
    assert abs(q_fast - ref) <= 1e-12 * ref


def test_zero_bias_critical_point_when_phi_of_zero_is_not_zero():
    """sigmoid: phi(0) = 1/2, so q = 0 is no fixed point; the critical point at sigma_b = 0
    is the root of q = V/E[phi'^2] and mean_field there is critical."""
    sw_c, q_c = critical_point("sigmoid", 0.0)
    assert q_c > 1
    point = mean_field("sigmoid", sw_c, 0.0)
    assert point.phase == "critical" and point.q_star == pytest.approx(q_c, rel=1e-12)


# ---------------------------------------------------------------------------------------
# marginal length map: degree-1 positively homogeneous activations at their critical sigma_w
# ---------------------------------------------------------------------------------------
def _homogeneous():
    out = []
    for p in REGISTRY:
        name, params = p.values
        act = activation(name, **params)
        if act.homogeneity_degree == 1.0:
            out.append(p)
    assert out, "the registry has degree-1 homogeneous activations (ReLU family)"
    return out


def _critical_sigma_w(act) -> str:
    """1/sqrt(E[phi'(z)^2]) by direct quadrature of the declared derivative, 50 digits."""
    with mpmath.workdps(50):
        pieces = [-mpmath.inf, *sorted(mpmath.mpf(k) for k in act.kinks), mpmath.inf]
        second = mpmath.quad(lambda z: act.dphi_mp(z) ** 2 * mpmath.npdf(z), pieces)
        if second == 0:
            pytest.skip(f"{act!r} has phi' = 0: no critical sigma_w")
        return mpmath.nstr(1 / mpmath.sqrt(second), 45)


@pytest.mark.parametrize("name,params", _homogeneous())
def test_critical_homogeneous_length_map_is_a_line_of_fixed_points(name, params):
    act = activation(name, **params)
    sw_c = _critical_sigma_w(act)
    # the length map is the identity there (independent of mean_field)
    assert length_map(act, float(sw_c), 0.0, 2.5) == pytest.approx(2.5, rel=1e-14)
    assert fixed_point_length(act, float(sw_c), 0.0, q0=3.7) == 3.7
    for point, one in (
        (mean_field(act, float(sw_c), 0.0), 1e-12),
        (mean_field(act, sw_c, 0, dps=30), mpmath.mpf("1e-28")),
    ):
        assert point.q_star_kind == "line" and point.q_star is None
        assert point.phase == "critical" and point.c_star == 1
        for chi in (point.chi_1, point.chi_q, point.chi_c):
            assert abs(chi - 1) <= one
        assert point.xi_q == math.inf and point.xi_c == math.inf
        assert point.as_dict()["q_star"].startswith("any")


@pytest.mark.parametrize("name,params", _homogeneous())
def test_critical_homogeneous_with_bias_grows_linearly(name, params):
    act = activation(name, **params)
    sw_c = _critical_sigma_w(act)
    # q^l = q^0 + l sigma_b^2: one layer adds sigma_b^2
    assert length_map(act, float(sw_c), 0.3, 2.5) == pytest.approx(2.5 + 0.09, rel=1e-14)
    for point in (mean_field(act, float(sw_c), 0.3), mean_field(act, sw_c, "0.3", dps=30)):
        assert point.q_star_kind == "unbounded" and point.q_star == math.inf
        assert point.phase == "critical" and point.c_star == 1
        assert abs(point.chi_1 - 1) <= 1e-12
    with pytest.raises(ConvergenceError, match="linearly"):
        fixed_point_length(act, float(sw_c), 0.3)
    with pytest.raises(ConvergenceError, match="linearly"):
        fixed_point_length(act, sw_c, "0.3", dps=30)


def test_he_initialization_on_a_grid():
    sw_c = math.sqrt(2)
    grid = mean_field("relu", np.array([sw_c, 1.0, sw_c]), np.array([0.0, 0.5, 0.5]))
    assert list(grid.q_star_kind) == ["line", "point", "unbounded"]
    assert np.isnan(grid.q_star[0]) and grid.q_star[2] == np.inf
    assert grid.q_star[1] == pytest.approx(0.25 / (1 - 0.5), rel=1e-15)  # sb^2/(1 - sw^2/2)
    assert list(grid.phase) == ["critical", "ordered", "critical"]


def test_off_critical_homogeneous_points_are_unchanged():
    point = mean_field("relu", 1.2, 0.5)
    assert point.q_star_kind == "point"
    assert point.q_star == pytest.approx(0.25 / (1 - 0.72), rel=1e-15)
    with pytest.raises(ConvergenceError, match="without bound"):
        fixed_point_length("relu", 1.5, 0.1)


# ---------------------------------------------------------------------------------------
# the linearity gap q E[phi'^2] - V without cancellation, over the registry
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,params", REGISTRY)
def test_gap_equals_the_difference_at_60_digits(name, params):
    """gap_transform (float64: series / tails / quadrature of (phi' - phi/u)^2) against the
    plain difference q E[phi'^2] - V of 60-digit transforms (which loses at most ~25 digits
    here: 35 remain). Float64 tolerance 1e-12 relative (the routes' stated errors are
    <= 1e-13); results that underflow float64 are excluded."""
    from asymptote.recurrences.bind import gap_transform
    from asymptote.transforms import transform

    act = activation(name, **params)
    _undefined(act, "V", "Vd")
    for x in ("1e-6", "1e-2", "0.5", "5"):
        with mpmath.workdps(60):
            qm = mpmath.mpf(x)
            ref = qm * transform("Vd", act, qm, dps=60) - transform("V", act, qm, dps=60)
        fast = gap_transform(act, float(x))
        if act.homogeneity_degree == 1.0:  # phi = u phi': the gap is exactly 0
            assert fast == 0 and abs(ref) <= mpmath.mpf("1e-50") * qm
            continue
        if abs(ref) < 1e-290:
            continue
        assert abs(fast - ref) <= 1e-12 * abs(ref) + 1e-300, (x, fast, ref)
