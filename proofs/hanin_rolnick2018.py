r"""Hanin and Rolnick 2018 [HR18], *How to start training* (failure modes FM1, FM2; residual
scalings), as checked by :mod:`asymptote.finite_width` (exact finite-width moments) and
:mod:`asymptote.finite_width.montecarlo` (random networks).

Sources of the statements: the paper's abstract and introduction (FM1/FM2 definitions: FM2
is the growth of the *empirical variance of the lengths across the layers* of one network;
"constant-width nets need a width growing about linearly with the depth"; "ResNets that avoid
FM1 avoid FM2"; FM2 avoided by keeping :math:`\sum_j 1/n_j` bounded), which we could read,
and the reviews of seed 000 (Thm. 5's exp(beta) form, equal widths, the width-order
question). The full theorem statements (constants, the exact form of the ResNet modules)
could not be retrieved; constants and exact laws are derived in :mod:`asymptote.finite_width`.
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

import mpmath
import numpy as np
import sympy

from asymptote.claims import (
    Claim,
    Expected,
    ExponentFit,
    HighPrecision,
    MonteCarlo,
    SymbolicIdentity,
)
from asymptote.finite_width import empirical_variance, moments, montecarlo, residual_scaling

CLAIMS: list[Claim] = []

WIDTHS = (10, 20, 30, 40)


def _add(**kw: Any) -> None:
    CLAIMS.append(Claim(source="HR18", **kw))


def _glorot_sigma_w(fan_in: int, fan_out: int) -> sympy.Expr:
    """sigma_w (weights' standard deviation times sqrt(fan-in)) of Glorot's variance
    2/(fan-in + fan-out) [Glorot & Bengio 2010]."""
    return sympy.sqrt(sympy.Rational(2 * fan_in, fan_in + fan_out))


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
    id="HR18/fm1/xavier-halves-the-mean-per-layer",
    location="review 2 (popular initializations fail the criterion); Sec. 3 (FM1)",
    statement="Glorot/Xavier initialization (variance 2/(fan-in + fan-out), i.e. 1/fan-in at "
    "constant width) makes a ReLU net's mean length halve at every layer: E[M_d] = 2^-d M_0.",
    expected=Expected(sympy.Rational(1, 2) ** 6, "(sigma_w^2/2)^d with sigma_w^2 = n/((n+n)/2) = 1"),
    check=SymbolicIdentity(
        lambda: moments.output_length_moments((20,) * 6, _glorot_sigma_w(20, 20), 0,
                                              exact=True).mean  # fmt: skip
    ),
    tolerance_why="exact rational arithmetic",
)


def _truncated_he_mean(depth: int, dps: int) -> mpmath.mpf:
    """E[M_d]/M_0 with weights drawn from N(0, 2/fan-in) truncated at two standard deviations
    and not rescaled: the truncated variance by 30-digit quadrature, then the exact FM1 law."""
    r = mpmath.quad(lambda x: x**2 * mpmath.npdf(x), [-2, 2]) / (mpmath.ncdf(2) - mpmath.ncdf(-2))
    widths = (20,) * depth
    return moments.output_length_moments(widths, mpmath.sqrt(2 * r), 0, dps=dps).mean


_add(
    id="HR18/fm1/truncated-he-decays",
    location="review 2 (truncated He fails the criterion); Sec. 3 (FM1)",
    statement="He initialization drawn from a normal truncated at two standard deviations, "
    "without rescaling, has variance 0.7737 x 2/fan-in, so the mean length decays like "
    "0.7737^d (here d = 10: E[M_10] = 0.0769 M_0).",
    expected=Expected(
        mpmath.mpf("0.87962566103423978") ** 20,
        "TensorFlow's published rescaling constant for truncated normals, .87962566103423978 "
        "(the standard deviation of N(0, 1) truncated to [-2, 2]; tf.keras VarianceScaling), "
        "squared: the variance factor, to the power d = 10",
    ),
    check=HighPrecision(lambda dps: _truncated_he_mean(10, dps), digits=14, dps=30),
    tolerance_why="the published constant is a float64 (printed with 17 digits): within half "
    "an ulp, 5.6e-17 relative, of the true value; to the power 20 that is <= 1.1e-15, below "
    "the 1e-14 tolerance; quadrature and the exact law are good to 28 digits",
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



# ---------------------------------------------------------------------------------------
# FM2 by the paper's own statistic: the empirical variance of M_j across layers
# ---------------------------------------------------------------------------------------
def _hand_empirical_variance(widths: tuple[int, ...]) -> sympy.Rational:
    r"""E[Var^(M)]/M_0^2 for He weights, written out again in its increment form
    :math:`d^{-2}\sum_{i\ge 2}(i-1)(d-i+1)\,s_{i-1}\,5/n_i` (the library sums
    :math:`E[M_j M_k]` with suffix sums instead)."""
    d = len(widths)
    total, s_prev = sympy.Integer(0), sympy.Integer(1)
    for i, n in enumerate(widths, start=1):
        total += (i - 1) * (d - i + 1) * s_prev * sympy.Rational(5, n)
        s_prev *= 1 + sympy.Rational(5, n)
    return sympy.Rational(total / d**2)


def _equal_width_closed_form(n: int, d: int) -> sympy.Expr:
    """(2 S_1 - (d + 1) S_0) / d^2 with the geometric sums in closed form, r = 1 + 5/n."""
    r = 1 + sympy.Rational(5, n)
    s0 = r * (r**d - 1) / (r - 1)
    s1 = r * (1 - (d + 1) * r**d + d * r ** (d + 1)) / (1 - r) ** 2
    return (2 * s1 - (d + 1) * s0) / d**2


def _ev(widths: tuple[int, ...]) -> sympy.Expr:
    return sympy.sympify(empirical_variance.expected_empirical_variance(widths, exact=True))


_add(
    id="HR18/fm2/empirical-variance-exact",
    location="Sec. 1 (FM2: empirical variance of the lengths across layers); Thm. 5",
    statement="For Gaussian He-initialized ReLU nets without biases, the expected empirical "
    "variance of M_1..M_d of one network is M_0^2 d^-2 sum_j (2j - d - 1) prod_{i<=j}(1 + 5/n_i) "
    "(from E[M_j M_k] = E[M_j^2], j <= k: M_j is a martingale); at constant width 16 and "
    "depth 8 it equals the closed form with geometric sums.",
    expected=Expected(_equal_width_closed_form(16, 8), "(2 S_1 - 9 S_0)/64, r = 21/16, "
                      "geometric sums in closed form"),
    check=SymbolicIdentity(lambda: _ev((16,) * 8)),
    tolerance_why="exact rational arithmetic on both sides",
)


def _mc_empirical_variance(widths: tuple[int, ...], samples: int) -> Any:
    def sample(rng: np.random.Generator) -> tuple[float, float]:
        lengths = empirical_variance.sample_layer_lengths(
            widths, samples=samples, seed=int(rng.integers(0, 2**31))
        )
        values = empirical_variance.layer_empirical_variance(lengths)
        return float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))

    return sample


_add(
    id="HR18/fm2/empirical-variance-monte-carlo",
    location="Sec. 1 (FM2) and Thm. 5, checked on random networks",
    statement="Widths 10, 20, 30, 40 (He, no biases): E[empirical variance of M_1..M_4] = "
    "409/2048 = 0.1997, matched by 400,000 simulated networks (ReLU layers drawn from their "
    "exact Gaussian conditional law).",
    expected=Expected(_hand_empirical_variance(WIDTHS), "increment form of the exact formula"),
    check=MonteCarlo(_mc_empirical_variance(WIDTHS, 400_000), seed=11),
    tolerance_why="unbiased estimator; its relative s.e. is 0.7 % (per-network s.d. 4.3 x "
    "the mean), so a 5 % error is ~7 s.e. (6.6 measured); 4 s.e. allowed",
)
_add(
    id="HR18/width-order/empirical-variance-depends-on-order",
    location="Reviews (seed 000): widths 10,20,30,40 vs 40,30,20,10",
    statement="The order of the widths changes FM2's statistic although it leaves the law of "
    "M_d unchanged: E[empirical variance] is 555/2048 for 40,30,20,10 and 409/2048 for "
    "10,20,30,40; increasing widths are better (difference 73/1024, +36 %).",
    expected=Expected(_hand_empirical_variance(WIDTHS[::-1]) - _hand_empirical_variance(WIDTHS),
                      "increment form, both orders"),
    check=SymbolicIdentity(lambda: _ev(WIDTHS[::-1]) - _ev(WIDTHS)),
    tolerance_why="exact rational arithmetic on both sides",
)
_add(
    id="HR18/width-order/empirical-variance-monte-carlo",
    location="Reviews (seed 000): widths 40,30,20,10, checked on random networks",
    statement="Widths 40, 30, 20, 10: E[empirical variance] = 555/2048 = 0.2710 on 400,000 "
    "simulated networks; the increasing order's 409/2048 lies ~44 s.e. away, so the order "
    "effect is detected.",
    expected=Expected(_hand_empirical_variance(WIDTHS[::-1]), "increment form"),
    check=MonteCarlo(_mc_empirical_variance(WIDTHS[::-1], 400_000), seed=12),
    tolerance_why="unbiased estimator; relative s.e. 0.7 %, so a 5 % error is ~7 s.e. (6.3 "
    "measured); 4 s.e. allowed",
)


def _richardson_limit(dps: int) -> Any:
    # constant width n = d (beta = d/n = 1); the error of the finite sum is c/d + O(1/d^2)
    near = empirical_variance.expected_empirical_variance((500,) * 500)
    far = empirical_variance.expected_empirical_variance((1000,) * 1000)
    return mpmath.mpf(2 * far - near)


_add(
    id="HR18/fm2/empirical-variance-exponential-in-beta",
    location="Thm. 5 (FM2 exponential in beta = sum_j 1/n_j); Sec. 1 (width ~ depth)",
    statement="At constant width n and depth d with beta = d/n fixed, E[empirical variance]/"
    "M_0^2 tends to (e^a (a - 2) + a + 2)/a^2, a = 5 beta, as d grows (18.0896 at beta = 1): "
    "exponential in beta with rate 5, bounded iff the width grows linearly with the depth.",
    expected=Expected(
        lambda dps: (mpmath.e**5 * 3 + 7) / 25, "integral of (2x - 1) e^{5 beta x} on [0, 1]"
    ),
    check=HighPrecision(_richardson_limit, digits=3, dps=15),
    tolerance_why="Richardson extrapolation 2E(d = n = 1000) - E(500) of the exact value "
    "removes the c/d term (c = -8.9); the remaining O(1/d^2) is 1.3e-4 relative (< 1e-3)",
)


def _compositions(total: int, parts: int) -> list[tuple[int, ...]]:
    out = []
    for cuts in itertools.combinations(range(1, total), parts - 1):
        bounds = (0, *cuts, total)
        out.append(tuple(b - a for a, b in zip(bounds, bounds[1:], strict=False)))
    return out


_NEURONS, _DEPTH = 24, 3


def _min_beta(dps: int) -> Any:
    return min(
        mpmath.mpf(moments.failure_modes(ws, "sqrt(2)", dps=dps).sum_reciprocal_widths)
        for ws in _compositions(_NEURONS, _DEPTH)
    )


_add(
    id="HR18/fm2/equal-widths-minimize-beta",
    location="Reviews (seed 000): equal widths minimize the sum of reciprocals",
    statement="Among all nets with 3 layers and 24 neurons in total, beta = sum 1/n_j is "
    "smallest at equal widths 8, 8, 8: beta = d^2/N = 3/8 (arithmetic-harmonic mean "
    "inequality).",
    expected=Expected(sympy.Rational(_DEPTH**2, _NEURONS), "d^2 / N (AM-HM)"),
    check=HighPrecision(_min_beta, digits=25, dps=30),
    tolerance_why="library values at 30 digits of exact rationals, minimised over all 253 "
    "compositions",
)


def _min_second_moment() -> sympy.Expr:
    return min(
        (moments.output_length_moments(ws, "sqrt(2)", 0, exact=True).second_moment
         for ws in _compositions(_NEURONS, _DEPTH)),
        key=lambda v: sympy.Rational(v),
    )


_add(
    id="HR18/fm2/equal-widths-minimize-output-variance",
    location="Thm. 5 (FM2) with reviews (seed 000): equal widths are ideal",
    statement="With 3 layers and 24 neurons, E[M_d^2]/M_0^2 = prod (1 + 5/n_j) is smallest at "
    "equal widths: (1 + 5d/N)^d = (13/8)^3 (log(1 + 5/n) is convex in n).",
    expected=Expected((1 + sympy.Rational(5 * _DEPTH, _NEURONS)) ** _DEPTH, "Jensen"),
    check=SymbolicIdentity(_min_second_moment),
    tolerance_why="exact rationals, minimised over all 253 compositions",
)


def _min_empirical_variance() -> sympy.Expr:
    return min((_ev(ws) for ws in _compositions(_NEURONS, _DEPTH)), key=sympy.Rational)


_add(
    id="HR18/fm2/empirical-variance-equal-widths-not-optimal",
    location="Sec. 1 (FM2 statistic) vs the reviews' 'equal widths are ideal'",
    statement="For the paper's own FM2 statistic equal widths are close to but not exactly "
    "optimal: with 3 layers and 24 neurons E[empirical variance] is smallest at widths "
    "6, 9, 9 (1265/2187 = 0.5784), below 8, 8, 8 (455/768 = 0.5924).",
    expected=Expected(_hand_empirical_variance((6, 9, 9)), "increment form at 6, 9, 9"),
    check=SymbolicIdentity(_min_empirical_variance),
    tolerance_why="exact rationals, minimised over all 253 compositions",
)

# ---------------------------------------------------------------------------------------
# residual networks
# ---------------------------------------------------------------------------------------
_RES_WIDTH, _RES_DEPTH = 10, 2000
_INVERSE_ETA = [sympy.Rational(1, l) for l in range(1, _RES_DEPTH + 1)]


@functools.cache
def _centred_moments() -> Any:
    return residual_scaling.residual_length_moments(_INVERSE_ETA, _RES_WIDTH, "sqrt(2)", 0)


def _sine_product_limit(dps: int) -> Any:
    r"""prod_l (1 + a/l^2 + b/l^4) = sinh(pi sqrt p) sinh(pi sqrt q) / (pi^2 sqrt(pq)),
    p + q = a, p q = b (Euler's product for sin), divided by (sinh(pi)/pi)^2."""
    n = m = mpmath.mpf(_RES_WIDTH)
    a = 2 + 4 / n
    b = (1 + 5 / m) * (1 + 2 / n)
    root = mpmath.sqrt(mpmath.mpc(a * a - 4 * b))
    p, q = (a + root) / 2, (a - root) / 2
    second = mpmath.sinh(mpmath.pi * mpmath.sqrt(p)) * mpmath.sinh(mpmath.pi * mpmath.sqrt(q))
    second = mpmath.re(second / (mpmath.pi**2 * mpmath.sqrt(b)))
    return second / (mpmath.sinh(mpmath.pi) / mpmath.pi) ** 2


_add(
    id="HR18/residual/fm1-avoided-implies-fm2-avoided",
    location="Abstract and Sec. 1 (ResNets: avoiding FM1 rules out FM2)",
    statement="Centred branches x + eta_l V relu(W x), eta_l = 1/l, width 10 (He): FM1 is "
    "avoided (E[M_L] -> M_0 sinh(pi)/pi) and so is FM2: E[M_L^2]/E[M_L]^2 converges to "
    "prod(1 + 2.4/l^2 + 1.8/l^4)/(sinh(pi)/pi)^2 = 1.6651 (Euler's sine product).",
    expected=Expected(_sine_product_limit, "Euler's sine product, p + q = 2 + 4/n, "
                      "pq = (1 + 5/m)(1 + 2/n)"),
    check=HighPrecision(
        lambda dps: mpmath.mpf(_centred_moments().second_moment[-1])
        / mpmath.mpf(_centred_moments().mean[-1]) ** 2,
        digits=2.5,
        dps=15,
    ),
    tolerance_why="exact recursion to L = 2000 in float64; the omitted tail factor is "
    "prod_{l>L}(1 + 0.4/l^2 + ...) - 1 < 2.1e-4 relative (tolerance 3.2e-3)",
)
_add(
    id="HR18/residual/centred-branch-criterion",
    location="Sec. 4 (criterion sum eta_l < inf), outside its scope: centred branches",
    statement="For centred branches (linear read-out, E<x, N(x)> = 0) the mean is "
    "M_0 prod(1 + gamma eta_l^2): with eta_l = 1/l it stays bounded, E[M_L] -> M_0 sinh(pi)/pi, "
    "although sum eta_l diverges. The sharp criterion there is sum eta_l^2 < inf.",
    expected=Expected(sympy.sinh(sympy.pi) / sympy.pi, "Euler: prod(1 + 1/l^2) = sinh(pi)/pi"),
    check=HighPrecision(
        lambda dps: mpmath.mpf(_centred_moments().mean[-1]), digits=2.5, dps=15
    ),
    tolerance_why="exact recursion to L = 2000 in float64; the omitted tail factor "
    "prod_{l>L}(1 + 1/l^2) - 1 < 1/L = 5e-4 relative (tolerance 3.2e-3)",
)

_MC_RES_ETA = tuple(sympy.Rational(1, l) for l in range(1, 7))


def _mc_residual_second_moment(rng: np.random.Generator) -> tuple[float, float]:
    lengths = residual_scaling.sample_residual_lengths(
        _MC_RES_ETA, 16, np.sqrt(2.0), samples=100_000, seed=int(rng.integers(0, 2**31))
    )
    sq = lengths[:, -1] ** 2
    return float(sq.mean()), float(sq.std(ddof=1) / np.sqrt(sq.size))


_add(
    id="HR18/residual/fm2-monte-carlo",
    location="Abstract (ResNets avoid FM2 once FM1 is avoided), checked on random networks",
    statement="Centred ResNet, width 16, eta_l = 1/l, 6 blocks: the exact E[M_6^2] of the "
    "second-moment recursion matches 100,000 simulated networks.",
    expected=Expected(
        lambda dps: mpmath.mpf(str(sympy.N(residual_scaling.residual_length_moments(
            _MC_RES_ETA, 16, "sqrt(2)", 0, exact=True).second_moment[-1], dps + 5))),
        "exact (E M, E M^2) recursion"),
    check=MonteCarlo(_mc_residual_second_moment, seed=21),
    tolerance_why="unbiased estimator; relative s.e. ~0.5 %, so a 5 % error is ~10 s.e.; "
    "4 s.e. allowed",
)


def _noncentred_trajectory() -> tuple[np.ndarray, np.ndarray]:
    etas = [float(l) ** -0.75 for l in range(1, 2001)]
    lengths, _ = residual_scaling.noncentred_mean_field(etas, "sqrt(2)")
    partial = np.cumsum(etas)
    return partial[499:], np.asarray(lengths[500:], dtype=float)


_add(
    id="HR18/residual/sum-eta-criterion",
    location="Sec. 4 (residual nets x + eta_l N_l(x): FM1 avoided iff sum eta_l < inf)",
    statement="For non-centred branches N(x) = relu(W x) (input >= 0) the scale enters to "
    "first order: log E[M_L] grows like c sum_{l<=L} eta_l with c between sigma_w sqrt(2/(pi n)) "
    "at width n and sigma_w sqrt(2/pi) = 2/sqrt(pi) (He) at infinite width, so the mean is "
    "bounded iff sum eta_l < inf (eta_l = l^-3/4: unbounded although sum eta_l^2 converges).",
    expected=Expected(2 / sympy.sqrt(sympy.pi), "sigma_w sqrt(2/pi), He"),
    check=ExponentFit(_noncentred_trajectory, abs_tol=0.005),
    tolerance_why="slope of log M_L against sum_{l<=L} eta_l (infinite-width map, l = 500.."
    "2000); the entry-mean ratio mean(x)/sqrt(M) -> 1 with an O(eta) deficit, which biases the "
    "slope by ~1.4e-4 (< 0.005)",
)


def _mc_first_order(rng: np.random.Generator) -> tuple[float, float]:
    inputs = np.stack([np.ones(16), np.linspace(0.5, 1.5, 16)])
    result = montecarlo.simulate(
        "rrn", "relu", 0.5 * np.sqrt(2.0), 0.0, width=16, depth=1, inputs=inputs,
        samples=2000, seed=int(rng.integers(0, 2**31)),
    )
    mean, stderr = result["p"]
    return float(mean[1]), float(stderr[1])


_add(
    id="HR18/residual/noncentred-first-order-term",
    location="Sec. 4 (residual modules ending in a ReLU)",
    statement="One non-centred block x + relu(W x)/2 (He, width 16, x = 1): E[M_1] = 5/4 + "
    "1/sqrt(pi) = 1.814, the first-order cross term 1/sqrt(pi) outweighing the second-order "
    "1/4 (a centred branch would give 5/4).",
    expected=Expected(residual_scaling.noncentred_block_mean("1/2", "sqrt(2)"),
                      "exact one-block mean"),
    check=MonteCarlo(_mc_first_order, seed=31),
    tolerance_why="montecarlo.simulate of the YS17 'rrn' block (its weights scaled by 1/2 "
    "equal eta = 1/2); unbiased; 4 s.e.",
)
