"""Jacot et al. 2018 [JGH18] (neural tangent kernel), as presented in the talk [P19]: the NTK
recursion, Price's theorem behind its derivative kernel [P58], and the empirical NTK of
finite networks.

Independent routes: neural-tangents' published numbers [NT20]; numerical differentiation
of W (Price); the arc-cosine NTK recursion written out here; Monte Carlo of the empirical
NTK of random one-hidden-layer networks (unbiased at every width).
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np

from asymptote.activations import activation
from asymptote.claims import Claim, Expected, HighPrecision, MonteCarlo
from asymptote.kernels import nngp_ntk
from asymptote.transforms import transform

from .lee2018 import NEURAL_TANGENTS_DEPTH10, arccos_J0, arccos_J1, neural_tangents_claim

SOURCE = "JGH18"


# ---------------------------------------------------------------------------------------
# migrated from asymptote/verify.py: Price's theorem, Wd = dW/dq12
# ---------------------------------------------------------------------------------------
def _price_claim(name: str, params: dict[str, str]) -> Claim:
    act = activation(name, **params)

    def measure(dps: int) -> Any:
        a, b, ab = mpmath.mpf("0.9"), mpmath.mpf("1.3"), mpmath.mpf("0.4")
        return transform("Wd", act, a, b, ab, dps=dps)

    def reference(dps: int) -> Any:
        # 4th-order central difference: truncation ~h^4, rounding ~10^-(2 dps)/h.
        with mpmath.workdps(2 * dps + 10):
            a, b, ab = mpmath.mpf("0.9"), mpmath.mpf("1.3"), mpmath.mpf("0.4")
            h = mpmath.mpf(10) ** (-(dps // 4 + 3))

            def w(t: Any) -> Any:
                return transform("W", act, a, b, t, dps=2 * dps + 10)

            return (8 * (w(ab + h) - w(ab - h)) - (w(ab + 2 * h) - w(ab - 2 * h))) / (12 * h)

    return Claim(
        id=f"P58/price/{act.label}/Wd=dW/dq12",
        source="P58",
        location="main theorem",
        statement=(
            f"Price's theorem for {act.label}: the derivative kernel E[phi'(u) phi'(v)] used by "
            "the NTK recursion is the derivative of E[phi(u) phi(v)] in the covariance "
            "(q1 = 0.9, q2 = 1.3, q12 = 0.4)."
        ),
        expected=Expected(
            reference, "4th-order central difference of W in q12 at 2 dps + 10 digits"
        ),
        check=HighPrecision(measure, digits=25, dps=30, scale="absolute"),
        tolerance_why=(
            "step h = 10^-(dps/4 + 3): truncation ~h^4 ~ 1e-40 and rounding ~10^-(2 dps)/h, "
            "both far below 1e-25"
        ),
    )


_PRICE_CASES: list[tuple[str, dict[str, str]]] = [
    ("relu", {}),
    ("erf", {}),
    ("sin", {}),
    ("alpha_relu", {"alpha": "0.7"}),
]


# ---------------------------------------------------------------------------------------
# the ReLU NTK recursion written out here
# ---------------------------------------------------------------------------------------
def relu_ntk_reference(sw: str, sb: str, x: list[list[str]], depth: int, dps: int) -> Any:
    """Theta <- K + sigma_w^2 Theta_dot, Theta_dot = J_0(theta)/(2 pi) Theta [JGH18, Thm. 1]
    in neural-tangents' parameterization, with the arc-cosine kernels of [CS09]."""
    with mpmath.workdps(dps + 10):
        sw2, sb2 = mpmath.mpf(sw) ** 2, mpmath.mpf(sb) ** 2
        u = [mpmath.mpf(v) for v in x[0]]
        v = [mpmath.mpf(t) for t in x[1]]
        n0 = len(u)
        s11 = mpmath.fsum(a * a for a in u) / n0
        s22 = mpmath.fsum(a * a for a in v) / n0
        s12 = mpmath.fsum(a * b for a, b in zip(u, v, strict=True)) / n0
        t12 = mpmath.mpf(0)
        for _ in range(depth):
            k11, k22, k12 = sw2 * s11 + sb2, sw2 * s22 + sb2, sw2 * s12 + sb2
            theta_ntk = k12 + sw2 * t12
            angle = mpmath.acos(k12 / mpmath.sqrt(k11 * k22))
            s12 = mpmath.sqrt(k11 * k22) * arccos_J1(angle) / (2 * mpmath.pi)
            t12 = arccos_J0(angle) / (2 * mpmath.pi) * theta_ntk
            s11, s22 = k11 / 2, k22 / 2
        return sw2 * s12 + sb2 + sw2 * t12


_X3 = [["0.3", "-1.2", "0.5"], ["1.1", "0.4", "-0.7"]]


def _empirical_ntk_sample(rng: np.random.Generator) -> tuple[float, float]:
    """Off-diagonal empirical NTK of random one-hidden-layer tanh networks (NTK
    parameterization: parameters standard normal, scales in the forward pass)."""
    sw, sb, width, nets = 1.3, 0.3, 256, 3000
    x = np.array([[1.0, 0.0, 0.5], [0.2, 0.9, -0.4]])
    n0 = x.shape[1]
    values = np.empty(nets)
    for n in range(nets):
        w1 = rng.standard_normal((n0, width))
        b1 = rng.standard_normal(width)
        w2 = rng.standard_normal(width)
        h = sw / np.sqrt(n0) * x @ w1 + sb * b1  # (2, width)
        act, dact = np.tanh(h), 1.0 / np.cosh(h) ** 2
        # f = sw/sqrt(width) w2 . tanh(h) + sb b2; gradients w.r.t. w2, b2, w1, b1
        theta = sw**2 / width * act[0] @ act[1] + sb**2
        common = sw**2 / width * np.sum(w2**2 * dact[0] * dact[1])
        theta += common * (sw**2 * x[0] @ x[1] / n0 + sb**2)
        values[n] = theta
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(nets))


def _empirical_ntk_reference(dps: int) -> Any:
    pair = nngp_ntk("tanh", 1.3, 0.3, [[1.0, 0.0, 0.5], [0.2, 0.9, -0.4]], depth=1)
    return mpmath.mpf(float(pair.ntk[0, 1]))


CLAIMS: list[Claim] = [
    *(
        neural_tangents_claim(name, key, SOURCE)
        for name in NEURAL_TANGENTS_DEPTH10
        for key in ("ntk11", "ntk12")
    ),
    *(_price_claim(name, params) for name, params in _PRICE_CASES),
    Claim(
        id="JGH18/ntk/relu-arccos-recursion",
        source=SOURCE,
        location="Thm. 1 (with [CS09] and the [NT20] parameterization)",
        statement=(
            "The NTK of a deep ReLU network follows Theta' = K' + sigma_w^2 Theta_dot' with "
            "Theta_dot' the degree-0 arc-cosine kernel times Theta (depth 5, sigma_w = 1.4, "
            "sigma_b = 0.2)."
        ),
        expected=Expected(
            lambda dps: relu_ntk_reference("1.4", "0.2", _X3, 5, dps),
            "arc-cosine NTK recursion written in proofs/ (mpmath)",
        ),
        check=HighPrecision(
            lambda dps: nngp_ntk("relu", "1.4", "0.2", _X3, depth=5, dps=dps).ntk[0, 1],
            digits=35,
            dps=40,
        ),
        tolerance_why="both recursions run at 40+ digits; 5 layers lose < 2 digits",
    ),
    Claim(
        id="JGH18/ntk/empirical-ntk-monte-carlo",
        source=SOURCE,
        location="Thm. 1; [P19] slide 'implications for the posterior'",
        statement=(
            "The empirical tangent kernel of random one-hidden-layer tanh networks (sum over "
            "all parameters of products of output gradients) has the analytic NTK as its mean "
            "(sigma_w = 1.3, sigma_b = 0.3)."
        ),
        expected=Expected(_empirical_ntk_reference, "library NTK at depth 1 (float64)"),
        check=MonteCarlo(_empirical_ntk_sample, seed=20180602),
        tolerance_why=(
            "at one hidden layer the hidden pre-activations are exactly Gaussian and the "
            "read-out weights independent of them, so the estimator is unbiased at every "
            "width: 4 standard errors, no bias term"
        ),
    ),
]

__all__ = ["CLAIMS"]
