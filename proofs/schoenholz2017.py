"""Schoenholz et al. 2017 [SGGS17], as presented in the talk [P19]: depth scales xi_q and
xi_c, their divergence on the critical line, the power-law approach at criticality, and the
trainable depth ~ 6 xi_c as the depth over which finite random networks lose the
correlation signal.

Independent routes: the formulas -1/ln chi (library) against the measured convergence rate
of the iterated maps (exponent fits) and of finite random networks (Monte Carlo with
jackknife error bars), and derivatives of closed forms written out here.
"""

from __future__ import annotations

import functools
from typing import Any

import mpmath
import numpy as np
import sympy

from asymptote.claims import Claim, Expected, ExponentFit, HighPrecision, MonteCarlo
from asymptote.feedforward import (
    correlation_map,
    critical_point,
    length_map,
    mean_field,
    trainable_depth,
)
from asymptote.finite_width.signal_propagation import (
    correlation,
    crossing_depth,
    decay_rate,
    sample_two_input_networks,
)

from ._common import chi_c, ell, xi_c
from .poole2016 import erf_V

SOURCE = "SGGS17"
ERF_ORDERED = ("erf", "1.1", "0.3")
ERF_CHAOTIC = ("erf", "2", "0.1")


@functools.cache
def _point(name: str, sw: str, sb: str) -> Any:
    return mean_field(name, sw, sb, dps=30)


@functools.cache
def _correlation_trajectory_mp(
    name: str, sw: str, sb: str, start: str, depth: int
) -> tuple[np.ndarray, np.ndarray]:
    """|c^l - c*| of the correlation map iterated at 30 digits (closed-form activations)."""
    point = _point(name, sw, sb)
    depths, devs = [], []
    with mpmath.workdps(30):
        cc = mpmath.mpf(start)
        for layer in range(1, depth + 1):
            cc = correlation_map(name, sw, sb, cc, q=point.q_star, dps=30)
            depths.append(layer)
            devs.append(float(abs(cc - point.c_star)))
    return np.asarray(depths, float), np.asarray(devs)


def _log_chi_c(name: str, sw: str, sb: str) -> Any:
    """-1/xi_c from the library's depth-scale formula."""
    return lambda dps: -1 / _point(name, sw, sb).xi_c


def _xi_c_derivation() -> list[tuple[str, Any]]:
    eps = sympy.Function("epsilon")
    point = _point(*ERF_ORDERED)
    return [
        (
            "Correlation map near its fixed point c*: write c^l = c* + epsilon_l and expand to first "
            "order; the slope of the map at c* is chi_c = sigma_w^2 E[phi'(u) phi'(v)] (Price's "
            "theorem: d W / d q12 = E[phi' phi']).",
            None,
        ),
        ("Linearized recurrence:", sympy.Eq(eps(ell + 1), chi_c * eps(ell))),
        (
            "Solution: exponential approach with depth scale xi_c,",
            sympy.Eq(eps(ell), eps(0) * sympy.exp(-ell / xi_c)),
        ),
        ("so", sympy.Eq(xi_c, -1 / sympy.log(chi_c))),
        (
            "For erf at sigma_w = 1.1, sigma_b = 0.3 (ordered, c* = 1, chi_c = chi_1):",
            sympy.Eq(xi_c, sympy.Float(mpmath.nstr(point.xi_c, 25), 25)),
        ),
        (
            "Numerical confirmation: the correlation map is iterated at 30 digits from c = 0.2 and "
            "the slope of ln |c^l - c*| against l is fitted where 1e-15 < epsilon < 1e-6.",
            None,
        ),
    ]


#: finite networks for the depth-scale experiment: tanh in the ordered phase near the edge of
#: chaos (critical sigma_w = 1.3956 at sigma_b = 0.3), xi_c = 7.18, so 6 xi_c = 43.1 layers
FINITE_POINT = ("tanh", 1.2, 0.3)
FINITE_WIDTH, FINITE_DEPTH, FINITE_NETWORKS, FINITE_SEED = 512, 48, 384, 20170602
FINITE_START = 0.995  # correlation of the first layer's pre-activations
FINITE_WINDOW = (4, FINITE_DEPTH - 1)  # layers after the first entering the rate fit


@functools.cache
def _finite_decay() -> np.ndarray:
    """Per network, (1 - c^l) / (1 - c^1) for layers l = 1..48 of random tanh networks.

    c^l is the cosine of the two inputs' pre-activations in layer l; layer 1 is sampled from
    the covariance q* [[1, c_1], [c_1, 1]] (so the lengths start at their fixed point and
    only the correlation relaxes); each network is normalised by its own first layer.
    """
    name, sw, sb = FINITE_POINT
    qs = float(mean_field(name, sw, sb).q_star)
    start = FINITE_START
    sample = sample_two_input_networks(
        name, sw, sb, width=FINITE_WIDTH, depth=FINITE_DEPTH, networks=FINITE_NETWORKS,
        covariance=qs * np.array([[1.0, start], [start, 1.0]]), seed=FINITE_SEED,
    )  # fmt: skip
    gap = 1.0 - correlation(sample.pre)
    return gap / gap[:, :1]


def _finite_rate_sample(rng: np.random.Generator) -> tuple[float, float]:
    """Fitted slope of ln E[(1 - c^l)/(1 - c^1)] against l and its jackknife error."""
    ratio = _finite_decay()
    return decay_rate(ratio, np.arange(FINITE_DEPTH, dtype=float), FINITE_WINDOW)


def _finite_depth_sample(rng: np.random.Generator) -> tuple[float, float]:
    """Layers after the first until E[(1 - c^l)/(1 - c^1)] reaches e^-6, with its error."""
    ratio = _finite_decay()
    return crossing_depth(ratio, np.arange(FINITE_DEPTH, dtype=float), float(np.exp(-6.0)))


_FINITE_WHY = (
    "Error bars: delete-a-group jackknife over 20 groups of the 384 networks (width 512). "
    "Finite-width bias: the same estimator at widths 256, 512, 1024, 2048 (409,600 "
    "network-units each, start 1 - c = 0.01, 60 layers) gave fitted rates within 1.4e-4 of "
    "ln chi_1 (standard errors 3e-4 to 5e-4) with no trend in the width, i.e. below 0.2 "
    "standard errors here; the nonlinearity of the correlation map at 1 - c <= 0.005 moves "
    "the infinite-width trajectory's fitted rate by 4.5e-5 and its e^-6 crossing by 0.035 "
    "layers (mean-field map iterated from the same start). "
)


@functools.cache
def _length_trajectory() -> tuple[np.ndarray, np.ndarray]:
    point = mean_field("tanh", 1.3, 0.3)
    qq, depths, devs = 3.0, [], []
    for layer in range(1, 60):
        qq = length_map("tanh", 1.3, 0.3, qq)
        depths.append(layer)
        devs.append(abs(qq - point.q_star) / point.q_star)
    return np.asarray(depths, float), np.asarray(devs)


def _erf_critical_chi_q_reference(dps: int) -> Any:
    """-1/ln(sigma_w^2 V'(q*)) with V' by mpmath.diff of the [W97] form written in proofs/."""
    with mpmath.workdps(dps + 10):
        sw, qs = critical_point("erf", "0.1", dps=dps + 10)
        slope = mpmath.diff(erf_V, qs)
        return -1 / mpmath.log(sw**2 * slope)


def _erf_critical_xi_q(dps: int) -> Any:
    sw, _ = critical_point("erf", "0.1", dps=dps + 5)
    return mean_field("erf", sw, "0.1", dps=dps).xi_q


def _erf_critical_chi_1(dps: int) -> Any:
    sw, _ = critical_point("erf", "0.1", dps=dps + 5)
    return mean_field("erf", sw, "0.1", dps=dps).chi_1


@functools.cache
def _critical_power_trajectory() -> tuple[np.ndarray, np.ndarray]:
    """1 - c^l on the erf critical line (sigma_b = 0.1), float64, 20000 layers."""
    sw, qs = critical_point("erf", 0.1)
    cc = 0.0
    depths, devs = [], []
    for layer in range(1, 20001):
        cc = correlation_map("erf", sw, 0.1, cc, q=qs)
        if layer % 50 == 0:
            depths.append(layer)
            devs.append(1.0 - cc)
    return np.asarray(depths, float), np.asarray(devs)


def _backprop_sample(rng: np.random.Generator) -> tuple[float, float]:
    """One backward step through random tanh layers: mean(delta^1_i^2) / mean(v_j^2).

    The input is scaled so that the pre-activations z^1 are exactly N(0, q*); the weights
    W^2 that carry the upstream gradient v are independent of z^1, so the ratio's
    expectation is chi_1 exactly (no finite-width bias).
    """
    sw, sb, width, nets = 1.3, 0.3, 256, 400
    q_star = float(mean_field("tanh", sw, sb).q_star)
    n0 = 8
    x = rng.standard_normal(n0)
    x *= np.sqrt(n0 * (q_star - sb**2) / sw**2) / np.linalg.norm(x)  # ||x||^2/n0 = q0
    ratios = np.empty(nets)
    for n in range(nets):
        z1 = sw / np.sqrt(n0) * rng.standard_normal((width, n0)) @ x + sb * rng.standard_normal(
            width
        )
        v = rng.standard_normal(width)
        w2 = sw / np.sqrt(width) * rng.standard_normal((width, width))
        delta1 = (1.0 / np.cosh(z1) ** 2) * (w2.T @ v)
        ratios[n] = np.mean(delta1**2) / np.mean(v**2)
    return float(ratios.mean()), float(ratios.std(ddof=1) / np.sqrt(nets))


_FIT_WHY_MP = (
    "epsilon_(l+1) = chi_c epsilon_l + O(epsilon_l^2): inside the window the relative "
    "correction to the local rate is < 1e-6; 30-digit iteration makes rounding negligible"
)

CLAIMS: list[Claim] = [
    Claim(
        id="SGGS17/depth-scale/xi-c-ordered/erf",
        source=SOURCE,
        location="eq. (9)",
        statement=(
            "In the ordered phase the correlation approaches c* = 1 as exp(-l/xi_c) with "
            "xi_c = -1/ln chi_1 (erf, sigma_w = 1.1, sigma_b = 0.3)."
        ),
        expected=Expected(_log_chi_c(*ERF_ORDERED), "-1/xi_c from the formula (30 digits)"),
        check=ExponentFit(
            lambda: _correlation_trajectory_mp(*ERF_ORDERED, "0.2", 320),
            abs_tol=1e-5,
            window=(1e-15, 1e-6),
        ),
        tolerance_why=_FIT_WHY_MP,
        derivation=_xi_c_derivation,
    ),
    Claim(
        id="SGGS17/depth-scale/xi-c-chaotic/erf",
        source=SOURCE,
        location="eq. (9)",
        statement=(
            "In the chaotic phase the correlation approaches c* < 1 as exp(-l/xi_c) with "
            "xi_c = -1/ln chi_c, chi_c = sigma_w^2 E[phi'(u) phi'(v)] at c* (erf, 2, 0.1)."
        ),
        expected=Expected(_log_chi_c(*ERF_CHAOTIC), "-1/xi_c from the formula (30 digits)"),
        check=ExponentFit(
            lambda: _correlation_trajectory_mp(*ERF_CHAOTIC, "0.9", 120),
            abs_tol=1e-5,
            window=(1e-20, 1e-7),
        ),
        tolerance_why=_FIT_WHY_MP,
    ),
    Claim(
        id="SGGS17/depth-scale/xi-q/tanh",
        source=SOURCE,
        location="eq. (5)-(6)",
        statement=(
            "The length approaches q* as exp(-l/xi_q) with xi_q = -1/ln chi_q, "
            "chi_q = sigma_w^2 dV/dq(q*) (tanh, 1.3, 0.3)."
        ),
        expected=Expected(
            lambda dps: -1 / mpmath.mpf(mean_field("tanh", 1.3, 0.3).xi_q),
            "-1/xi_q from the formula (float64)",
        ),
        check=ExponentFit(_length_trajectory, abs_tol=1e-4, window=(1e-10, 1e-4)),
        tolerance_why=(
            "second-order terms change the local rate by O(epsilon) < 1e-4 in the window; "
            "float64 rounding (1e-16 / 1e-10) adds < 1e-6; the formula itself is float64"
        ),
    ),
    Claim(
        id="SGGS17/depth-scale/xi-c-diverges-at-criticality",
        source=SOURCE,
        location="Sec. 3; [P19] slide 'fixed point analysis' (xi = infinity)",
        statement=(
            "On the critical line chi_1 = 1, so xi_c = -1/ln chi_1 diverges (erf, sigma_b = 0.1, "
            "sigma_w on the critical line)."
        ),
        expected=Expected(sympy.Integer(1), "chi_1 = 1 defines the critical line"),
        check=HighPrecision(_erf_critical_chi_1, digits=25, dps=30),
        tolerance_why="the critical sigma_w is certified to 35 digits; chi_1 is smooth in it",
    ),
    Claim(
        id="SGGS17/depth-scale/xi-q-finite-at-criticality",
        source=SOURCE,
        location="Sec. 3, Fig. 1",
        statement=(
            "xi_q stays finite on the critical line (only xi_c diverges): erf, sigma_b = 0.1, "
            "with chi_q from a numerical derivative of the [W97] closed form."
        ),
        expected=Expected(
            _erf_critical_chi_q_reference, "-1/ln(sigma_w^2 V'(q*)), mpmath.diff of [W97]"
        ),
        check=HighPrecision(_erf_critical_xi_q, digits=25, dps=30),
        tolerance_why="mpmath.diff at 40 digits of an analytic function is accurate to > 30 digits",
    ),
    Claim(
        id="SGGS17/criticality/power-law-approach/erf",
        source=SOURCE,
        location="Sec. 3",
        statement=(
            "At criticality the correlation approaches 1 as a power law, 1 - c^l ~ 1/l, instead "
            "of exponentially (erf, sigma_b = 0.1)."
        ),
        expected=Expected(sympy.Integer(-1), "epsilon' = -a epsilon^2 gives epsilon ~ 1/(a l)"),
        check=ExponentFit(
            _critical_power_trajectory, abs_tol=0.01, law="power", window=(0.0, 2e-3)
        ),
        tolerance_why=(
            "the next order gives epsilon_l = 1/(a l) + O(ln l / l^2), a local-slope error "
            "~ ln(l)/l < 5e-3 for the fitted depths l >= 2000"
        ),
        quick=False,
    ),
    Claim(
        id="SGGS17/backprop/gradient-ratio-per-layer-monte-carlo",
        source=SOURCE,
        location="Sec. 4; [P19] slide 'back-propagation'",
        statement=(
            "One layer of back-propagation multiplies the mean squared gradient by "
            "chi_1 = sigma_w^2 E[phi'(z)^2] (tanh, 1.3, 0.3), so over L layers by chi_1^L."
        ),
        expected=Expected(
            lambda dps: mpmath.mpf(mean_field("tanh", 1.3, 0.3).chi_1),
            "chi_1 from the formula (float64)",
        ),
        check=MonteCarlo(_backprop_sample, seed=20170424),
        tolerance_why=(
            "z^1 is exactly Gaussian with variance q* and independent of the weights that "
            "carry the upstream gradient, so the estimator is unbiased at width 256: "
            "4 standard errors, no bias term"
        ),
    ),
    Claim(
        id="SGGS17/depth-scale/xi-c-finite-networks/tanh",
        source=SOURCE,
        location="eq. (9), Fig. 3; [P19] slide 'predicting trainable depth' (epsilon ~ e^(-l/xi))",
        statement=(
            "In finite random networks the mean distance of the two inputs' correlation from "
            "c* = 1 decays per layer at the rate 1/xi_c = -ln chi_1 of the mean-field theory "
            "(tanh, sigma_w = 1.2, sigma_b = 0.3, ordered phase near the edge of chaos, "
            "xi_c = 7.18; 384 networks of width 512, layers 5 to 48 fitted)."
        ),
        expected=Expected(
            lambda dps: -1 / mpmath.mpf(mean_field(*FINITE_POINT).xi_c),
            "-1/xi_c = ln chi_1 from the mean-field formula (float64)",
        ),
        check=MonteCarlo(_finite_rate_sample, seed=FINITE_SEED),
        tolerance_why=(
            _FINITE_WHY + "The fitted rate has a standard error of ~7e-4 against "
            "1/xi_c = 0.139: the 5% mutation (0.007) is 11 standard errors away (measured)."
        ),
    ),
    Claim(
        id="SGGS17/trainable-depth/six-xi-c",
        source=SOURCE,
        location="Sec. 5, Fig. 5; [P19] slides 'predicting trainable depth', 'trainability'",
        statement=(
            "The depth 6 xi_c that [SGGS17] give as the limit of trainability is the depth "
            "over which finite random networks lose all but e^-6 of the correlation signal: "
            "the mean of (1 - c^l)/(1 - c^1) reaches e^-6 after 6 xi_c = 43.1 layers (tanh, "
            "1.2, 0.3; 384 networks of width 512). Checked is this information-loss depth; "
            "that training fails beyond it is the paper's experiment, not re-run here."
        ),
        expected=Expected(
            lambda dps: mpmath.mpf(trainable_depth(*FINITE_POINT)),
            "6 xi_c from the mean-field formula (float64)",
        ),
        check=MonteCarlo(_finite_depth_sample, seed=FINITE_SEED),
        tolerance_why=(
            _FINITE_WHY + "The measured depth (log-linear interpolation of the mean between "
            "the bracketing layers) has a standard error of ~0.2 layers: the 5% mutation "
            "(2.2 layers) is 7.6 standard errors away (measured)."
        ),
    ),
]

__all__ = ["CLAIMS"]
