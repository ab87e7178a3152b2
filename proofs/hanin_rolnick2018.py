"""Hanin and Rolnick 2018 [HR18], *How to start training* (failure modes FM1, FM2; residual
scalings), as checked by :mod:`asymptote.finite_width` (exact finite-width moments) and
:mod:`asymptote.finite_width.montecarlo` (random networks).

The paper's theorem text was not available to us; the statements below are paraphrased
from the reviews (seed 000) and the paper's abstract, and the constants are derived here.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import sympy

from asymptote.claims import Claim, Expected, HighPrecision, MonteCarlo, SymbolicIdentity
from asymptote.finite_width import moments, residual_scaling

CLAIMS: list[Claim] = []

WIDTHS = (10, 20, 30, 40)


def _add(**kw: Any) -> None:
    CLAIMS.append(Claim(source="HR18", **kw))


_add(
    id="HR18/fm1/he-initialization-preserves-mean",
    location="Sec. 3 (FM1): E[M_d] is preserved iff Var(W) = 2/fan-in",
    statement="For a ReLU net with weights of variance 2/fan-in (no biases) the mean "
    "normalized squared length E[M_d] equals M_0 at every depth and for any widths.",
    expected=Expected(sympy.Integer(1), "FM1 statement"),
    check=SymbolicIdentity(
        lambda: moments.output_length_moments(WIDTHS, "sqrt(2)", 0, exact=True).mean
    ),
    tolerance_why="exact rational arithmetic",
)
_add(
    id="HR18/fm1/exponential-otherwise",
    location="Sec. 3 (FM1): mean exponential in depth for other variances",
    statement="With weight variance 2.2/fan-in the mean length after 4 layers is 1.1^4 M_0.",
    expected=Expected(sympy.Rational(11, 10) ** 4, "(sigma_w^2/2)^d"),
    check=SymbolicIdentity(
        lambda: moments.output_length_moments(WIDTHS, "sqrt(11/5)", 0, exact=True).mean
    ),
    tolerance_why="exact rational arithmetic",
)
_add(
    id="HR18/fm2/exact-constant",
    location="Thm. 5 (FM2): Var[M_d] exponential in sum of 1/n_j",
    statement="For Gaussian He-initialized ReLU nets, E[M_d^2]/E[M_d]^2 = prod_j (1 + 5/n_j), "
    "so the variance grows like exp(5 sum_j 1/n_j) (constant 5).",
    expected=Expected(sympy.Mul(*[1 + sympy.Rational(5, n) for n in WIDTHS]),
                      "prod (1 + 5/n_j), derived: chi^2 of Binomial(n, 1/2) degrees"),
    check=SymbolicIdentity(
        lambda: moments.output_length_moments(WIDTHS, "sqrt(2)", 0, exact=True).ratio
    ),
    tolerance_why="exact rational arithmetic",
)
def _second_moment(widths: tuple[int, ...]) -> Any:
    return lambda dps: mpmath.mpf(str(sympy.N(
        moments.output_length_moments(widths, "sqrt(2)", 0, exact=True).second_moment, dps + 5)))


_add(
    id="HR18/width-order/law-invariant",
    location="Reviews (seed 000): does the order of widths matter?",
    statement="Reversing the widths (10,20,30,40 -> 40,30,20,10) leaves the second moment of "
    "M_d unchanged for Gaussian weights and no biases (the law is a product of "
    "independent per-layer factors).",
    expected=Expected(_second_moment(WIDTHS[::-1]), "second moment for the reversed widths"),
    check=HighPrecision(_second_moment(WIDTHS), digits=25, dps=30),
    tolerance_why="both exact rationals (315/128), compared at 30 digits",
)


def _mc_second_moment(rng: np.random.Generator) -> tuple[float, float]:
    seed = int(rng.integers(0, 2**31))
    samples = moments.sample_output_length(WIDTHS, "sqrt(2)", samples=2_000_000, seed=seed)
    sq = np.asarray(samples, dtype=float) ** 2
    return float(sq.mean()), float(sq.std(ddof=1) / np.sqrt(sq.size))


_add(
    id="HR18/fm2/monte-carlo",
    location="Thm. 5 (FM2), checked on random networks",
    statement="The exact second moment E[M_d^2] = 315/128 (widths 10,20,30,40) matches "
    "2,000,000 sampled networks (a 5% error would be ~17 standard errors).",
    expected=Expected(sympy.Rational(315, 128), "exact product formula"),
    check=MonteCarlo(_mc_second_moment, seed=7),
    tolerance_why="unbiased estimator; 4 standard errors",
)


def _criterion_agrees() -> sympy.Expr:
    info = residual_scaling.residual_asymptotics("power", beta="3/4")
    return sympy.Integer(int(bool(info["mean_bounded"]) == bool(info["sum_eta_converges"])))


_add(
    id="HR18/residual/sum-eta-criterion",
    location="Sec. 4 (residual nets x + eta_l N_l(x): FM1/FM2 avoided iff sum eta_l < inf)",
    statement="For residual branches N(x) = V relu(W x + b) + a, the mean length stays bounded "
    "exactly when sum_l eta_l is finite (tested with eta_l = l^(-3/4)).",
    expected=Expected(sympy.Integer(1), "1 = 'mean bounded' agrees with 'sum eta finite'"),
    check=SymbolicIdentity(_criterion_agrees),
    tolerance_why="SymPy convergence tests of sum eta_l and of log prod (1 + gamma eta_l^2)",
    status="discrepancy",
    note="For centred branches (YS17-type N = V relu(Wx+b) + a) E[M_L] = M_0 prod_l "
    "(1 + gamma eta_l^2) exactly, so the mean stays bounded iff sum eta_l^2 < inf, a weaker "
    "condition than sum eta_l < inf. HR18's criterion presumably concerns non-centred "
    "branches (e.g. ending in a ReLU), which are not modelled exactly here.",
    evidence="eta_l = l^-3/4: sum eta_l diverges, yet sum eta_l^2 = zeta(3/2) converges and "
    "the exact mean (width 50, sigma_w^2 = 2) is 8.33 at L = 400, bounded by exp(zeta(3/2)).",
)
