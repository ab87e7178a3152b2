"""Pennington, Schoenholz & Ganguli 2017 [PSG17] (the talk's dynamical isometry section):
Jacobian spectra by free probability, checked by :mod:`asymptote.spectra` against closed
forms (Fuss-Catalan, Marchenko-Pastur) and the talk's qualitative statements, and the mean
squared singular value of the Jacobian of finite random networks (Monte Carlo)."""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np
import sympy

from asymptote.claims import Claim, Expected, HighPrecision, MonteCarlo, SymbolicIdentity
from asymptote.feedforward import critical_point, mean_field
from asymptote.finite_width.jacobian import jacobian_probe_norms
from asymptote.spectra.density import spectral_edge
from asymptote.spectra.free_probability import spectrum_moments, spread_per_layer

CLAIMS: list[Claim] = []


def _add(**kw: Any) -> None:
    CLAIMS.append(Claim(source="PSG17", **kw))


def _fuss_catalan_fourth() -> sympy.Expr:
    return sympy.Integer(spectrum_moments("linear", 1, 0, depth=3, order=4, exact=True)[3])


_add(
    id="PSG17/linear-gaussian/fuss-catalan",
    location="Sec. 2 (deep linear Gaussian nets: moments of J J^T)",
    statement="For a depth-3 linear network with Gaussian weights (sigma_w = 1) the fourth "
    "moment of the spectrum of J J^T is the Fuss-Catalan number binom(16, 4)/13 = 140.",
    expected=Expected(sympy.binomial(16, 4) / 13, "Fuss-Catalan closed form"),
    check=SymbolicIdentity(_fuss_catalan_fourth),
    tolerance_why="exact: series reversion in rational arithmetic",
)


def _mp_edge(dps: int) -> Any:
    return spectral_edge("linear", 1, 0, depth=1, dps=dps)


_add(
    id="PSG17/linear-gaussian/marchenko-pastur-edge",
    location="Sec. 2 (L = 1: Marchenko-Pastur law)",
    statement="For one Gaussian layer the spectrum of W W^T (sigma_w = 1) ends at 4.",
    expected=Expected(sympy.Integer(4), "Marchenko-Pastur edge (1 + sqrt(1))^2"),
    check=HighPrecision(_mp_edge, digits=25, dps=30),
    tolerance_why="edge from the branch discriminant solved at 30 digits",
)


def _spread(name: str, sigma_b: str) -> Any:
    def measure(dps: int) -> Any:
        if name == "relu":
            with mpmath.workdps(dps + 10):
                sw = mpmath.sqrt(2)
        else:
            sw, _ = critical_point(name, sigma_b, dps=dps)
        return mpmath.mpf(spread_per_layer(name, sw, sigma_b, weights="orthogonal", dps=dps))

    return measure


_add(
    id="PSG17/relu/no-isometry",
    location="Sec. 4 / talk: 'ReLU never achieves dynamical isometry'",
    statement="At criticality with orthogonal weights the ReLU spectrum's spread per layer "
    "m2/m1^2 - 1 per layer is 1 (here sigma_b = 0.3), so it grows linearly with depth.",
    expected=Expected(sympy.Integer(1), "P(phi' = 0) = 1/2: mu_2/mu_1^2 - 1 = 1"),
    check=HighPrecision(_spread("relu", "0.3"), digits=20, dps=30),
    tolerance_why="moments of a two-point law, exact up to rounding",
)
_add(
    id="PSG17/tanh/isometry-at-zero-bias",
    location="Sec. 4 / talk: tanh at q* -> 0 reaches dynamical isometry",
    statement="For tanh on the critical line with sigma_b -> 0 (here 0) and orthogonal weights "
    "the spread per layer vanishes: singular values concentrate at 1.",
    expected=Expected(sympy.Integer(0), "q* = 0: phi'(0)^2 = 1 exactly"),
    check=HighPrecision(_spread("tanh", "0"), digits=20, dps=30, scale="absolute"),
    tolerance_why="q* = 0 on the critical line at sigma_b = 0; exact up to rounding",
)


# ---------------------------------------------------------------------------------------
# the talk's 'dynamical isometry' slide: E[tr(J^T J)]/N = chi_1^L in finite networks
# ---------------------------------------------------------------------------------------
JACOBIAN_WIDTH, JACOBIAN_DEPTH = 1024, 8


def _jacobian_sample(name: str, sigma_w: Any, sigma_b: float, networks: int, seed: int) -> Any:
    """Mean and standard error of ||J v||^2/||v||^2 over random networks at q* (float64)."""

    def sample(rng: np.random.Generator) -> tuple[float, float]:
        sw = float(sigma_w() if callable(sigma_w) else sigma_w)
        qs = float(mean_field(name, sw, sigma_b).q_star)
        norms = jacobian_probe_norms(
            name, sw, sigma_b, width=JACOBIAN_WIDTH, depth=JACOBIAN_DEPTH, networks=networks,
            input_length=(qs - sigma_b**2) / sw**2, seed=seed,
        )  # fmt: skip
        return float(norms.mean()), float(norms.std(ddof=1) / math.sqrt(networks))

    return sample


def _tanh_critical_sigma_w() -> float:
    return float(critical_point("tanh", 0.3)[0])


_JACOBIAN_WHY = (
    "||J v||^2/||v||^2 with v ~ N(0, I) independent of the network is unbiased for "
    "tr(J^T J)/N; the forward-mode sampler draws the exact joint law of (h^l, J v) "
    "(asymptote.finite_width.jacobian). Finite width adds O(L/N): measured at N = 64 with "
    "32768 networks the relative bias is (0.84 +- 0.30)/N (tanh 1.5, 0.3) and "
    "(0.69 +- 0.28)/N (tanh, critical), so at N = 1024 at most 1.5/N = 0.15% (the stated "
    "bias term, about a quarter of a standard error). "
)

_add(
    id="PSG17/jacobian/mean-squared-singular-value-chi-power-L",
    location="Sec. 2 (first moment of J J^T is chi^L); [P19] slide 'dynamical isometry'",
    statement="The mean squared singular value of the input-output Jacobian of a deep random "
    "network, E[tr(J^T J)]/N, equals chi_1^L: tanh, sigma_w = 1.5, sigma_b = 0.3 (chaotic, "
    "chi_1 = 1.0610), L = 8 layers, 1024 networks of width 1024 started at q*.",
    expected=Expected(
        lambda dps: mpmath.mpf(mean_field("tanh", 1.5, 0.3).chi_1) ** JACOBIAN_DEPTH,
        "chi_1^8 from the mean-field formula (float64)",
    ),
    check=MonteCarlo(
        _jacobian_sample("tanh", 1.5, 0.3, 1024, 20171104),
        seed=20171104,
        bias=1.5 / JACOBIAN_WIDTH * 1.61,
    ),
    tolerance_why=_JACOBIAN_WHY + "Standard error 0.6% of chi_1^8 = 1.606: the 5% mutation "
    "is 9.8 standard errors away (measured).",
)
_add(
    id="PSG17/jacobian/criticality-unit-mean-squared-singular-value",
    location="Sec. 2; [P19] slide 'dynamical isometry' (criticality <=> E tr(J^T J) = chi^L = 1)",
    statement="On the critical line the mean squared singular value of the Jacobian stays 1 "
    "at every depth: tanh at sigma_b = 0.3 and the critical sigma_w = 1.3956, L = 8, "
    "768 networks of width 1024 started at q*.",
    expected=Expected(sympy.Integer(1), "chi_1 = 1 on the critical line, so chi_1^L = 1"),
    check=MonteCarlo(
        _jacobian_sample("tanh", _tanh_critical_sigma_w, 0.3, 768, 20171105),
        seed=20171105,
        bias=1.5 / JACOBIAN_WIDTH,
    ),
    tolerance_why=_JACOBIAN_WHY + "Standard error 0.65%: the 5% mutation is 8.8 standard "
    "errors away (measured).",
)
