"""Depth laws for every registered activation x {frn, rrn}, confirmed by the project's own
long-depth iteration (:func:`asymptote.recurrences.iterate`), and the corner cases of
issue 13: sigma_w = 0, large sigma_a/sigma_v, alpha > 1, the reduced-resnet step/sigmoid
log^2 law. References are independent: closed forms re-derived here, 60-digit roots, the
iteration of the recurrence."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from asymptote.activations import as_activation, list_activations, specs
from asymptote.activations._checks import sample_params
from asymptote.asymptotics import LAW_KINDS, leading_laws
from asymptote.asymptotics.constants import classify
from asymptote.asymptotics.fits import fit, fit_doubly_exponential
from asymptote.recurrences.iterate import iterate
from asymptote.transforms import transform

ARCHS = ("frn", "rrn")
SIGMAS = {"frn": {"sigma_v": 1.0, "sigma_a": 0.5}, "rrn": {}}


def _bound(name: str):
    family = specs().get(name)
    return as_activation(name, **(sample_params(family) if family is not None else {}))


def _fast(act) -> bool:
    """Iteration runs without per-layer quadrature (compiled homogeneous kernel or closed forms)."""
    return act.homogeneity_degree_exact is not None or all(
        act.closed_form_valid(k) for k in ("V", "W", "Vd"))


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("name", list_activations())
def test_every_registered_activation_gets_a_law(name: str, arch: str) -> None:
    laws = leading_laws(arch, _bound(name), 1.0, 0.2, **SIGMAS[arch])
    for law in laws.values():
        assert law.law in LAW_KINDS
        if law.law in ("unknown", "divergent"):
            assert law.note  # a refusal says why
    # at these variances every registered activation has derived p, q, e laws; chi is
    # refused only where E[phi'^2] diverges (the step: a jump)
    for qn in ("p", "q", "e"):
        assert laws[qn].law != "unknown", (name, arch, qn, laws[qn].note)
    if laws["chi"].law == "divergent":
        assert _bound(name).undefined_reason("Vd") is not None
    else:
        assert laws["chi"].law != "unknown"


def _iteration_cases() -> list:
    """Registry members whose iteration needs no per-layer quadrature; the compiled
    (homogeneous) ones run in seconds, the closed-form ones (~10 ms a layer) are slow."""
    out = []
    for n in list_activations():
        act = _bound(n)
        if not _fast(act):
            continue
        marks = () if act.homogeneity_degree_exact is not None else (pytest.mark.slow,)
        out.append(pytest.param(n, marks=marks))
    return out


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("name", _iteration_cases())
def test_laws_agree_with_long_depth_iteration(name: str, arch: str) -> None:
    act = _bound(name)
    laws = leading_laws(arch, act, 1.0, 0.2, **SIGMAS[arch])
    linear = laws["p"].law == "power" and float(laws["p"].value()) == 1.0
    depth = 2000 if linear else 10_000
    traj = iterate(arch, act, 1.0, 0.2, depth=depth, e0=0.3, **SIGMAS[arch])
    # p: exponents and bases converge fast (measured >= 3.2 digits, most >= 6)
    assert fit(laws["p"], traj).digits >= 3
    chi = laws["chi"]
    if chi.law == "stretched_exponential":  # O(log l/sqrt l) corrections: 2.66-3.0 digits
        assert fit(chi, traj).digits >= 2.5
    elif chi.law in ("exponential", "power"):
        assert fit(chi, traj).digits >= 3
    elif chi.law == "constant":  # log chi converges like 1/l: increments shrink per decade
        y, layers = traj.log_chi, traj.layers
        i, j = (int(np.searchsorted(layers, depth // f)) for f in (100, 10))
        assert abs(y[-1] - y[j]) < abs(y[j] - y[i]) / 3  # measured / 9.3 (alpha = 3/4)
    e = laws["e"]
    if e.law == "fixed_point_exponential":  # geometric: read the rate before u underflows
        u = traj.one_minus_e
        assert (u[119] / u[59]) ** (1 / 60) == pytest.approx(float(e.value()), rel=1e-3)
    elif e.law == "fixed_point_power" and e.limit == 1 and e.log_power == 0:
        assert fit(e, traj).digits >= 2  # l^-2 with l^-1/2 corrections: measured 2.4-3.3
    if e.law == "fixed_point_power" and e.limit is not None and float(e.value(e.limit)) < 1:
        # the fixed point itself: |e^L - e_*| shrinks like L^-mu (checked between L/10 and L)
        star = 1 - float(e.value(e.limit))
        u = traj.one_minus_e
        i = int(np.searchsorted(traj.layers, depth // 10))
        ratio = abs(u[-1] - star) / abs(u[i] - star)
        assert ratio < 10 ** (-0.5 * float(e.value()))


# ------------------------------------------------------------------ sigma_w = 0
def test_tanh_rrn_sigma_w_zero_is_the_papers_degenerate_case() -> None:
    laws = leading_laws("rrn", "tanh", 0, 0.5, dps=15)
    assert laws["q"].law == "constant"
    assert laws["p"].law == "power" and float(laws["p"].value()) == 1.0
    assert laws["e"].law == "fixed_point_power" and float(laws["e"].value()) == 1.0
    assert float(laws["e"].value(laws["e"].limit)) == 1.0
    assert laws["chi"].law == "constant"
    # p grows by exactly V phi(sigma_b^2) per layer: independent quadrature at 30 digits
    v = transform("V", "tanh", mpmath.mpf("0.25"), dps=20)
    assert abs(laws["p"].value(laws["p"].coefficient, dps=15) / v - 1) < 1e-14
    # the iteration (mpmath path, 20 digits): 1 - e^l = (p0 - gamma0)/p^l exactly
    out = iterate("rrn", "tanh", 0.0, 0.5, depth=6, e0=0.3, dps=20)
    with mpmath.workdps(20):
        for layer, (pl, el) in enumerate(zip(out["p"], out["e"], strict=True), start=1):
            assert abs((1 - el) * pl / mpmath.mpf("0.7") - 1) < 1e-15
            assert abs((pl - 1) / (layer * v) - 1) < 1e-15


def test_sigma_w_zero_long_depth_fit_closed_form_activation() -> None:
    laws = leading_laws("rrn", "erf", 0, 0.5)
    traj = iterate("rrn", "erf", 0.0, 0.5, depth=2000, e0=0.3)
    p = np.exp(traj.log_p)
    assert np.allclose(traj.one_minus_e * p, 0.7, rtol=1e-12, atol=0)  # the exact law
    # the fit: 1/(l + c), c = p0/V = 4.6, truncated after l^-3 at the window start l = 30
    # leaves ~(c/30)^4 ~ 5e-4 there; measured 5.7 digits for e and p
    assert fit(laws["e"], traj).digits >= 5
    assert fit(laws["p"], traj).digits >= 5


def test_rrn_sigma_w_zero_with_mean_grows_quadratically() -> None:
    # ReLU at q = sigma_b^2: M phi = sigma_b/sqrt(2 pi) != 0, so m ~ mu0 l and p ~ mu0^2 l^2
    laws = leading_laws("rrn", "relu", 0, 0.5)
    assert laws["p"].law == "power" and float(laws["p"].value()) == 2.0
    mu0 = 0.5 / math.sqrt(2 * math.pi)
    assert float(laws["p"].value(laws["p"].coefficient)) == pytest.approx(mu0**2, rel=1e-14)
    traj = iterate("rrn", "relu", 0.0, 0.5, depth=100_000, e0=0.3)
    assert fit(laws["p"], traj).digits >= 5
    assert fit(laws["e"], traj).digits >= 5


# ------------------------------------------------------------------ large sigma_a/sigma_v
@pytest.mark.parametrize("ratio", ["95", "100", "1000", "100000"])
def test_tanh_frn_fixed_point_at_large_ratio(ratio: str) -> None:
    laws = leading_laws("frn", "tanh", 1, 0, sigma_v=1, sigma_a=ratio, dps=30)
    gap = laws["e"].value(laws["e"].limit, dps=40)
    with mpmath.workdps(80):  # independent: the fixed-point equation in e itself, 80 digits
        rho = 1 / (1 + mpmath.mpf(ratio) ** 2)
        f = lambda e: rho * 2 / mpmath.pi * mpmath.asin(e) + 1 - rho - e  # noqa: E731
        eps0 = 8 * rho**2 / mpmath.pi**2  # leading term of the gap
        root = mpmath.findroot(f, 1 - eps0 * (1 + 1e-3))
        assert abs((1 - gap) / (1 - root) - 1) < mpmath.mpf(10) ** -18
        mu = 1 - rho * 2 / mpmath.pi / mpmath.sqrt(1 - root**2)
        assert abs(laws["e"].value(dps=25) - mu) < mpmath.mpf(10) ** -18
    if ratio == "100":
        assert 8.0e-9 < float(1 - gap) < 8.2e-9  # the value quoted in issue 13


# ------------------------------------------------------------------ alpha > 1
def test_alpha_relu_above_one_is_doubly_exponential() -> None:
    act = as_activation("alpha_relu", alpha="1.5")
    for arch in ARCHS:
        laws = leading_laws(arch, act, 1.0, 0.2, **SIGMAS[arch])
        assert laws["p"].law == "doubly_exponential" and float(laws["p"].value()) == 1.5
        out = iterate(arch, act, 1.0, 0.2, depth=30, e0=0.3, dps=30, **SIGMAS[arch])
        log_p = [mpmath.log(x) for x in out["p"]]
        assert fit_doubly_exponential(log_p) == pytest.approx(1.5, abs=1e-4)  # measured 5e-6
        assert fit_doubly_exponential(out["log_chi"]) == pytest.approx(1.5, abs=1e-3)
        # e follows e -> J(e): e - e_* shrinks by J'(e_*) per layer
        estar = laws["e"].value(laws["e"].limit)
        d = [abs(x - estar) for x in out["e"][-6:]]
        rate = float(d[-1] / d[-2])
        assert rate == pytest.approx(float(laws["e"].value()), abs=5e-3)


# ------------------------------------------------------------------ rrn, step tails
def test_step_rrn_squared_distance_grows_like_log_squared() -> None:
    laws = leading_laws("rrn", "step", 1.0, 0.2)
    assert laws["s"].law == "power" and float(laws["s"].exponent) == 0 and laws["s"].log_power == 2
    c_s = float(laws["s"].value(laws["s"].coefficient))
    assert c_s == pytest.approx(1 / math.pi**2, rel=1e-15)  # (2 B^2/(pi m1))^2, B = m1 = 1/2
    traj = iterate("rrn", "step", 1.0, 0.2, depth=100_000, e0=0.3)
    root_s = np.sqrt(np.exp(traj.log_s))
    i, j = (int(np.searchsorted(traj.layers, x)) for x in (1000, 100_000))
    slope = (root_s[j] - root_s[i]) / math.log(traj.layers[j] / traj.layers[i])
    assert slope == pytest.approx(math.sqrt(c_s), rel=1e-5)  # measured 2e-6


# ------------------------------------------------------------------ tail classification
def test_classification_reads_behaviour_not_names() -> None:
    gelu = classify(as_activation("gelu"))
    assert gelu.kind == "power" and not gelu.exact and gelu.degree == 1
    assert (gelu.tail_pos, gelu.tail_neg) == (1, 0)  # the tail is ReLU
    sig = classify(as_activation("sigmoid"))
    assert sig.kind == "bounded" and (sig.tail_pos, sig.tail_neg) == (1, 0)
    # K = int sigmoid'^2 dx / sqrt(2 pi) = (1/6)/sqrt(2 pi)
    assert float(sig.slope_constant) == pytest.approx(1 / 6 / math.sqrt(2 * math.pi), rel=1e-14)
    sin = classify(as_activation("sin"))
    assert sin.kind == "periodic" and float(sin.v1) == 0.5 and float(sin.d1) == 0.5
    ht = classify(as_activation("hard_tanh"))
    assert ht.kind == "bounded" and float(ht.slope_constant) == pytest.approx(
        2 / math.sqrt(2 * math.pi), rel=1e-14)


# ------------------------------------------------------------------ quadrature activations
@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in list_activations() if not _fast(_bound(n))])
def test_quadrature_activations_frn_short_iteration(name: str) -> None:
    """Activations without closed forms iterate at ~0.2-0.6 s a layer: a short iteration
    checks the growth law of p (exponential base to 1e-4, or the linear coefficient P)."""
    act = _bound(name)
    laws = leading_laws("frn", act, 1.0, 0.2, sigma_v=1.0, sigma_a=0.5)
    if laws["p"].law == "exponential":
        traj = iterate("frn", act, 1.0, 0.2, sigma_v=1.0, sigma_a=0.5, depth=45, e0=0.3)
        base = math.exp(traj.log_p[-1] - traj.log_p[-2])
        assert base == pytest.approx(float(laws["p"].value()), rel=1e-4)
    else:
        traj = iterate("frn", act, 1.0, 0.2, sigma_v=1.0, sigma_a=0.5, depth=120, e0=0.3)
        check_linear_growth_deficit(laws["p"], traj)


def check_linear_growth_deficit(law, traj) -> None:
    """p^l - p^{l-1} = sigma_v^2 V(q) + sigma_a^2 -> P with the deficit the law's first
    correction states: ~ q^-w (tanh: w = 1/2), or ~ q^-w (log q + B) with a log correction
    (softsign). D = deficit q^w is then constant, or linear in log q: from layers 30, 60 the
    value at 120 is predicted to 5 % (constant: 10 %, the next order q^-1/2 moves it)."""
    P = float(law.value(law.coefficient))
    p, q = np.exp(traj.log_p), np.exp(traj.log_q)
    w = law.corrections[0]
    layers = (29, 59, 119)
    D = [(P - (p[i] - p[i - 1])) * q[i] ** w for i in layers]
    assert min(D) > 0
    if w in law.log_corrections:
        lq = [math.log(q[i]) for i in layers]
        slope = (D[1] - D[0]) / (lq[1] - lq[0])
        assert slope > 0.1 * D[0]  # the log factor is there: D grows
        assert D[2] == pytest.approx(D[1] + slope * (lq[2] - lq[1]), rel=0.05)
    else:
        assert D[2] / D[0] == pytest.approx(1.0, rel=0.1)


def test_frn_sigma_v_zero_branch_is_cut() -> None:
    laws = leading_laws("frn", "relu", 1.0, 0.2, sigma_v=0, sigma_a=0.5)
    assert laws["chi"].law == "constant"
    assert laws["chi_w"].law == laws["chi_b"].law == "zero"
    traj = iterate("frn", "relu", 1.0, 0.2, sigma_v=0.0, sigma_a=0.5, depth=10_000, e0=0.3)
    p = np.exp(traj.log_p)
    assert np.allclose(traj.one_minus_e * p, 0.7, rtol=1e-12, atol=0)  # p - gamma conserved
    assert fit(laws["p"], traj).digits >= 6
    # chi_v: multiplier V phi(q) ~ q/2 ~ sigma_a^2 l/2, so chi_v^1/chi_v^l ~ l^-1
    assert fit(laws["chi_v"], traj).digits >= 4


# ------------------------------------------------------------------ the CLI
def test_cli_exponents_answers_degenerate_and_doubly_exponential(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from asymptote.cli import main

    rc = main(["exponents", "--arch", "rrn", "--activation", "alpha_relu", "--alpha", "1.5",
               "--sigma-w", "1", "--sigma-b", "0.2", "--depth", "30", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["p"]["law"] == "doubly_exponential"
    assert float(out["p"]["fitted"]) == pytest.approx(1.5, abs=1e-4)
    assert out["chi_w"]["law"] == "unknown" and "cancel" in out["chi_w"]["note"]
    rc = main(["exponents", "--arch", "rrn", "--activation", "erf", "--sigma-w", "0",
               "--sigma-b", "0.5", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["q"]["law"] == "constant" and out["e"]["law"] == "fixed_point_power"
    assert float(out["e"]["value"]) == 1.0


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in list_activations() if not _fast(_bound(n))])
def test_quadrature_activations_rrn_short_iteration(name: str) -> None:
    """Reduced resnets of the quadrature-only activations: ReLU-like tails (GELU, SiLU,
    softplus) give the mean-driven base B (measured 9 digits at layer 33, before q leaves
    the float64 quadrature range), e approaching 1 at the rate beta/B, chi at 1 + sigma_w^2 d1;
    step-like tails (sigmoid) give p'' -> 2 m1^2 and log chi ~ R log l; odd bounded ones the
    linear growth with its q^-1/2 deficit."""
    act = _bound(name)
    laws = leading_laws("rrn", act, 1.0, 0.2)
    if laws["p"].law == "exponential":
        traj = iterate("rrn", act, 1.0, 0.2, depth=33, e0=0.3)
        p = np.exp(traj.log_p)
        assert p[-1] / p[-2] == pytest.approx(float(laws["p"].value()), rel=1e-6)
        assert math.exp(traj.log_chi[-1] - traj.log_chi[-2]) == pytest.approx(
            float(laws["chi"].value()), rel=1e-4)  # measured 3e-7
        u = traj.one_minus_e
        assert (u[-1] / u[-8]) ** (1 / 7) == pytest.approx(float(laws["e"].value()), rel=1e-2)
    elif float(laws["p"].value()) == 2.0:
        traj = iterate("rrn", act, 1.0, 0.2, depth=100, e0=0.3)
        p = np.exp(traj.log_p)
        second = p[-1] - 2 * p[-2] + p[-3]
        assert second == pytest.approx(2 * float(laws["p"].value(laws["p"].coefficient)),
                                       rel=1e-3)  # measured 1.6e-4 (O(1/l) corrections)
        slope = (traj.log_chi[99] - traj.log_chi[49]) / math.log(100 / 50)
        assert slope == pytest.approx(float(laws["chi"].value()), rel=0.05)  # measured 1.5%
    else:
        traj = iterate("rrn", act, 1.0, 0.2, depth=120, e0=0.3)
        P = float(laws["p"].value(laws["p"].coefficient))
        p = np.exp(traj.log_p)
        deficit = [P - (p[i] - p[i - 1]) for i in (29, 119)]
        expected = math.sqrt(math.exp(traj.log_q[29] - traj.log_q[119]))
        assert deficit[0] > 0
        assert deficit[1] / deficit[0] == pytest.approx(expected, rel=0.1)
