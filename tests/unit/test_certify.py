"""Certified balls (python-flint) against independent mpmath references at more digits.

Every reference is computed here with mpmath inside a local ``workdps`` (never the global
precision): Gaussian expectations by ``mpmath.quad`` of the activation itself (split at 0),
fixed points by ``mpmath.findroot`` on those quadratures, so no closed form of the registry
enters a reference (except the ReLU fixed point, an exact rational). A ball passes when it
contains the reference, its radius is below ``10**-dps`` relative (the documented bound), and
the reference moved by ``10**-(dps - 5)`` relative falls outside (so the check can fail).
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
import sympy

flint = pytest.importorskip("flint")

from asymptote import certify  # noqa: E402
from asymptote.activations import as_activation, list_activations  # noqa: E402
from asymptote.activations._base import X  # noqa: E402
from asymptote.numeric import arb_balls  # noqa: E402
from asymptote.numeric.arccos_kernels import arccos_kernel_quadrature_mp  # noqa: E402

DPS = 20  # digits of the balls
REF_DPS = 40  # digits of the references (20 more than the balls)
SIGMA_W, SIGMA_B = "0.9", "0.3"  # a finite fixed point for every activation of the registry


# ------------------------------------------------------------------------------ references
def _expect(f, q, kinks=()):
    """E[f(sqrt(q) z)] by tanh-sinh quadrature split at 0 and at the kinks of phi, mapped to
    z = kink/sqrt(q) (caller's mpmath precision; a kink inside a panel costs digits)."""
    s = mpmath.sqrt(q)
    cuts = sorted({mpmath.mpf(0), *(mpmath.mpf(k) / s for k in kinks)})
    return mpmath.quad(lambda z: f(s * z) * mpmath.npdf(z), [-mpmath.inf, *cuts, mpmath.inf])


def _mp_function(act, which="phi"):
    """phi (or phi') of ``act`` on mpmath, with the parameters as the exact values the
    symbolic side uses (a float parameter is the decimal it prints, like ``sympy_subs``)."""
    expr = act.spec.phi if which == "phi" else act.spec.dphi
    return sympy.lambdify(X, expr.xreplace(act.sympy_subs), "mpmath")


def _ref_fixed_point(act, sw, sb, guess):
    with mpmath.workdps(REF_DPS):
        sw, sb = (
            mpmath.mpf(Fraction(sw).numerator) / Fraction(sw).denominator,
            mpmath.mpf(Fraction(sb).numerator) / Fraction(sb).denominator,
        )
        phi, dphi = _mp_function(act), _mp_function(act, "dphi")
        kinks = act.kinks
        q = mpmath.findroot(
            lambda q: sw**2 * _expect(lambda u: phi(u) ** 2, q, kinks) + sb**2 - q,
            mpmath.mpf(guess),
        )
        chi = sw**2 * _expect(lambda u: dphi(u) ** 2, q, kinks)
        return +q, +chi


def _assert_certifies(ball, reference, dps=DPS):
    assert ball.contains(reference), f"{ball} misses {reference}"
    assert ball.radius <= abs(ball.value) * mpmath.mpf(10) ** (-dps), ball
    with mpmath.workdps(REF_DPS + 10):
        moved = reference * (1 + mpmath.mpf(10) ** (-(dps - 5)))
    assert not ball.contains(moved), f"{ball} also holds the moved reference {moved}"


def _activations():
    out = []
    for name in list_activations():
        try:
            out.append(as_activation(name))
        except (ValueError, TypeError):
            continue  # needs a parameter without default (alpha_relu): covered below
    out.append(as_activation("alpha_relu", alpha=2))
    # the integration route (no closed form) takes 5-30 s per activation with its reference
    return [
        pytest.param(a, marks=pytest.mark.slow) if _refusal_reason(a) == "integration" else a
        for a in out
    ]


def _refusal_reason(act):
    """Why certify must refuse ``act``, derived from the registry (None: it must certify)."""
    for key in ("V", "Vd"):
        if act.undefined_reason(key):
            return "diverges"
    if act.closed_form_valid("V") and act.closed_form_valid("Vd"):
        return None
    if act.kinks:
        return "not analytic"
    return "integration"


# ------------------------------------------------------------------------------ fixed points
@pytest.mark.parametrize("act", _activations(), ids=repr)
def test_fixed_point_and_chi_1_contain_the_quadrature_reference(act):
    reason = _refusal_reason(act)
    if reason not in (None, "integration"):
        with pytest.raises(ValueError, match=reason):
            certify.certify_chi_1(act, SIGMA_W, SIGMA_B, DPS)
        return
    try:
        q_ball, chi_ball = certify.certify_chi_1(act, SIGMA_W, SIGMA_B, DPS)
    except ValueError as exc:
        # no closed form: rigorous integration applies only to bounded integrands
        assert reason == "integration" and "unbounded" in str(exc) or "cannot bound" in str(exc)
        return
    q_ref, chi_ref = _ref_fixed_point(act, SIGMA_W, SIGMA_B, float(q_ball.value))
    _assert_certifies(q_ball, q_ref)
    _assert_certifies(chi_ball, chi_ref)


def test_relu_fixed_point_is_the_exact_rational():
    # relu: V(q) = q/2, so q* = sigma_b^2 / (1 - sigma_w^2/2), here 9/100 / (1 - 81/200)
    exact = Fraction(9, 100) / (1 - Fraction(81, 200))
    ball = certify.certify_fixed_point("relu", "0.9", "0.3", dps=50)
    assert ball.contains(exact)
    assert ball.upper - ball.lower <= 2 * exact / 10**50
    assert not ball.contains(exact * (1 + Fraction(1, 10**45)))


@pytest.mark.parametrize("name", ["erf", "sin"])
def test_fixed_point_at_50_digits(name):
    ball = certify.certify_fixed_point(name, "1.5", "0.1", dps=50)
    with mpmath.workdps(60):
        act = as_activation(name)
        q = mpmath.findroot(
            lambda q: (
                mpmath.mpf("2.25") * _expect(lambda u: act.phi_mp(u) ** 2, q)
                + mpmath.mpf("0.01")
                - q
            ),
            mpmath.mpf(float(ball.value)),
        )
    _assert_certifies(ball, q, dps=50)


def test_tanh_fixed_point_by_rigorous_integration():
    ball = certify.certify_fixed_point("tanh", "1.5", "0.3", dps=30)
    act = as_activation("tanh")
    with mpmath.workdps(45):
        q = mpmath.findroot(
            lambda q: (
                mpmath.mpf("2.25") * _expect(lambda u: mpmath.tanh(u) ** 2, q)
                + mpmath.mpf("0.09")
                - q
            ),
            mpmath.mpf(float(ball.value)),
        )
    assert act.name == "tanh"
    _assert_certifies(ball, q, dps=30)


def test_second_moment_of_tanh_at_30_digits():
    ball = certify.certify_second_moment("tanh", 2, dps=30)
    with mpmath.workdps(45):
        ref = _expect(lambda u: mpmath.tanh(u) ** 2, mpmath.mpf(2))
    _assert_certifies(ball, ref, dps=30)


def test_zero_fixed_point_is_exact():
    ball = certify.certify_fixed_point("erf", "0.5", 0, dps=30)
    assert ball.value == 0 and ball.radius == 0


# ------------------------------------------------------------------------------ critical line
@pytest.mark.parametrize("name", ["erf", "sin"])
def test_critical_point_solves_chi_1_equal_1_on_the_length_map(name):
    sb = Fraction(1, 20)
    sw_ball, q_ball = certify.certify_critical_point(name, "0.05", dps=DPS)
    act = as_activation(name)
    with mpmath.workdps(REF_DPS):

        def v(q):
            return _expect(lambda u: act.phi_mp(u) ** 2, q)

        def vd(q):
            return _expect(lambda u: act.dphi_mp(u) ** 2, q)

        sb2 = mpmath.mpf(sb.numerator) ** 2 / sb.denominator**2
        # chi_1 = 1 gives sigma_w^2 = 1/Vd(q); the fixed point then reads q - V/Vd = sigma_b^2
        q = mpmath.findroot(lambda q: q - v(q) / vd(q) - sb2, mpmath.mpf(float(q_ball.value)))
        sw = 1 / mpmath.sqrt(vd(q))
    _assert_certifies(q_ball, q)
    _assert_certifies(sw_ball, sw)


def test_critical_point_refuses_homogeneous_and_integrated_activations():
    with pytest.raises(ValueError, match="homogeneous"):
        certify.certify_critical_point("relu", "0.1", dps=20)
    with pytest.raises(ValueError, match="no closed forms"):
        certify.certify_critical_point("tanh", "0.1", dps=20)


# ------------------------------------------------------------------------------ kernels
#: E[f(m + s z)] for z ~ N(0, 1): the Gaussian convolutions of erf, erf', sin and cos
#: (DLMF 7.7 for erf; the characteristic function [GAUSS] for sin and cos).
_CONDITIONAL = {
    ("erf", False): lambda m, s: mpmath.erf(m / mpmath.sqrt(1 + 2 * s * s)),
    ("erf", True): lambda m, s: (
        2
        / mpmath.sqrt(mpmath.pi)
        * mpmath.exp(-m * m / (1 + 2 * s * s))
        / mpmath.sqrt(1 + 2 * s * s)
    ),
    ("sin", False): lambda m, s: mpmath.sin(m) * mpmath.exp(-s * s / 2),
    ("sin", True): lambda m, s: mpmath.cos(m) * mpmath.exp(-s * s / 2),
}


def _conditional_kernel(act, q1, q2, q12, derivative):
    """E[f(u) f(v)]: v = a z1 + b z2 given u = sqrt(q1) z1, the inner mean in closed form
    (one-dimensional Gaussian convolution), the outer one by quadrature."""
    f = act.dphi_mp if derivative else act.phi_mp
    inner = _CONDITIONAL[(act.name, derivative)]
    a = q12 / mpmath.sqrt(q1)
    b = mpmath.sqrt(q2 - a * a)
    s1 = mpmath.sqrt(q1)
    return mpmath.quad(
        lambda z: f(s1 * z) * inner(a * z, b) * mpmath.npdf(z), [-mpmath.inf, 0, mpmath.inf]
    )


@pytest.mark.parametrize("name", ["erf", "sin"])
@pytest.mark.parametrize("derivative", [False, True])
def test_smooth_kernels_contain_a_quadrature_reference(name, derivative):
    ball = certify.certify_kernel(name, 1, 2, "0.3", DPS, derivative=derivative)
    with mpmath.workdps(REF_DPS):
        ref = _conditional_kernel(
            as_activation(name), mpmath.mpf(1), mpmath.mpf(2), mpmath.mpf("0.3"), derivative
        )
    _assert_certifies(ball, ref)


@pytest.mark.parametrize("alpha", [1, 2])
@pytest.mark.parametrize("c", ["0.3", "-0.7", "0.999"])
def test_arc_cosine_kernels_contain_the_angular_quadrature(alpha, c):
    # W(1, 1, c) = k_alpha(c): the angular integral of CS09 by quadrature (another route)
    act = as_activation("relu") if alpha == 1 else as_activation("alpha_relu", alpha=alpha)
    ball = certify.certify_kernel(act, 1, 1, c, DPS)
    with mpmath.workdps(REF_DPS):
        ref = arccos_kernel_quadrature_mp(alpha, mpmath.mpf(c))
    _assert_certifies(ball, ref)


# ------------------------------------------------------------------------------ interval Newton
def test_interval_newton_certifies_and_refuses():
    with arb_balls.arb_precision(200):
        root = arb_balls.interval_newton(lambda x: x * x - 2, lambda x: 2 * x, 1, 2)
        ball = arb_balls.Ball.from_arb(root, 55)
    with mpmath.workdps(80):
        _assert_certifies(ball, mpmath.sqrt(2), dps=55)
    with arb_balls.arb_precision(200):
        with pytest.raises(ValueError, match="no zero"):
            arb_balls.interval_newton(lambda x: x * x - 2, lambda x: 2 * x, 2, 3)
        with pytest.raises(ValueError, match="contains 0"):  # two roots, +-sqrt(2)
            arb_balls.interval_newton(lambda x: x * x - 2, lambda x: 2 * x, -2, 3)
        with pytest.raises(ValueError, match="lower < upper"):
            arb_balls.interval_newton(lambda x: x, lambda x: x * 0 + 1, 1, 1)


def test_precision_context_restores_global_state():
    before_flint, before_mp = flint.ctx.prec, mpmath.mp.prec
    with pytest.raises(RuntimeError):
        with arb_balls.arb_precision(300):
            assert flint.ctx.prec == 300
            raise RuntimeError
    assert flint.ctx.prec == before_flint
    certify.certify_fixed_point("erf", 1.5, 0.1, dps=40)
    assert (flint.ctx.prec, mpmath.mp.prec) == (before_flint, before_mp)


def test_printed_ball_still_contains_the_value():
    ball = certify.certify_fixed_point("erf", "1.5", "0.1", dps=12)
    value, radius = str(ball).split(" +/- ")
    exact = Fraction(value)
    with mpmath.workdps(40):
        ref, _ = _ref_fixed_point(as_activation("erf"), "1.5", "0.1", float(ball.value))
    assert abs(Fraction(mpmath.nstr(ref, 35)) - exact) <= Fraction(radius)
    assert len(value.replace(".", "").lstrip("0")) == 12


# ------------------------------------------------------------------------------ input checks
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sigma_w": -1}, "sigma_w must be a finite real number >= 0"),
        ({"sigma_b": "nan"}, "sigma_b"),
        ({"sigma_w": "1e99999"}, "sigma_w"),
        ({"dps": 0}, "dps must be between 1"),
        ({"dps": 5000}, "dps"),
    ],
)
def test_bad_input_is_refused(kwargs, match):
    args = {"activation": "erf", "sigma_w": 1.5, "sigma_b": 0.1, "dps": 20} | kwargs
    with pytest.raises(ValueError, match=match):
        certify.certify_fixed_point(**args)


def test_bad_covariance_is_refused():
    with pytest.raises(ValueError, match=r"q12\^2 <= q1 q2"):
        certify.certify_kernel("erf", 1, 1, "1.01", 20)
    with pytest.raises(ValueError, match="q1 must be"):
        certify.certify_kernel("erf", -1, 1, 0, 20)


def test_marginal_relu_is_refused():
    with pytest.raises(ValueError, match="containing 1"):
        certify.certify_fixed_point("abs", 1, "0.5", dps=20)  # V(q) = q: L(q) = q + 1/4


def test_missing_flint_gives_the_install_hint(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "flint", None)
    assert not arb_balls.has_flint()
    with pytest.raises(ImportError, match=r"pip install asymptote\[certify\]"):
        certify.certify_fixed_point("erf", 1.5, 0.1, dps=20)


def test_report_for_the_cli():
    text = certify.certified_report("erf", sigma_w="1.5", sigma_b="0.1", dps=20)
    assert text.startswith("q_star = 1.0931751612231418766 +/- ")
    assert "W97" in text
    text = certify.certified_report("erf", sigma_b="0.05", dps=20)
    assert text.splitlines()[0].startswith("sigma_w = 0.99368629035442646640")


def test_cli_certify_json_encloses_an_independent_root(capsys):
    import json

    from asymptote.cli import main

    argv = ["fixed-point", "--activation", "erf", "--sigma-w", "2", "--sigma-b", "0.1",
            "--dps", "30", "--certify", "--json"]  # fmt: skip
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    with mpmath.workdps(50):
        # erf's V in closed form [W97]: (2/pi) asin(2q/(1+2q)); q* = sigma_w^2 V(q*) + sigma_b^2
        ref = mpmath.findroot(
            lambda q: (
                4 * (2 / mpmath.pi) * mpmath.asin(2 * q / (1 + 2 * q)) + mpmath.mpf("0.01") - q
            ),
            2.5,
        )
        value, radius = mpmath.mpf(out["q_star"]["value"]), mpmath.mpf(out["q_star"]["radius"])
        assert abs(value - ref) <= radius < mpmath.mpf(10) ** -29
        assert abs(value * (1 + mpmath.mpf(10) ** -25) - ref) > radius  # the check can fail


def test_cli_certify_refusal_is_one_line(capsys):
    from asymptote.cli import main

    argv = [
        "fixed-point",
        "--activation",
        "gelu",
        "--sigma-w",
        "2",
        "--sigma-b",
        "0.1",
        "--certify",
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no certified value" in err
