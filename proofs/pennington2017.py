"""Pennington, Schoenholz & Ganguli 2017 [PSG17] (the talk's dynamical isometry section):
Jacobian spectra by free probability, checked by :mod:`asymptote.spectra` against closed
forms (Fuss-Catalan, Marchenko-Pastur) and the talk's qualitative statements."""

from __future__ import annotations

from typing import Any

import mpmath
import sympy

from asymptote.claims import Claim, Expected, HighPrecision, SymbolicIdentity
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
        from asymptote.feedforward import critical_point

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
