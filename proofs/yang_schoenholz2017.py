"""Yang and Schoenholz 2017 [YS17], *Mean field residual networks: on the edge of chaos*.

The recurrences of App. B are re-derived by :mod:`asymptote.recurrences` from the layer maps
and compared here with the paper's equations typed in by hand; the depth laws of Table 2 /
Sec. 5 are derived by :mod:`asymptote.asymptotics` and compared with the paper's closed forms
(symbolically) and with exponents fitted from iterating the recurrences to large depth
(:mod:`asymptote.recurrences.iterate`, :mod:`asymptote.recurrences.exponents`); the alpha-ReLU
constants are cross-checked against the independent Bessel/hypergeometric implementation
:mod:`asymptote.alpha_relu`. Two findings are recorded as discrepancies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import mpmath
import numpy as np
import sympy

from asymptote.activations import activation
from asymptote.asymptotics import leading_laws
from asymptote.claims import Claim, Expected, HighPrecision, MonteCarlo, SymbolicIdentity
from asymptote.claims._model import Measurement, memo
from asymptote.recurrences import recurrence
from asymptote.recurrences.exponents import fit_law
from asymptote.recurrences.iterate import iterate
from asymptote.recurrences.symbols import Mphi, Vdphi, Vphi, Wphi, gamma, lam, p, q, sigma

CLAIMS: list[Claim] = []

SW, SB, SV, SA = (sigma(n) for n in "wbva")
ALPHA = sympy.Symbol("alpha", positive=True)


@dataclass(frozen=True)
class DepthLawFit:
    """Fit the leading exponent of a depth law (with its known corrections) from iteration.

    ``setup()`` returns ``(law, trajectory)``; passes when ``|fit - expected| <= abs_tol``.
    """

    setup: Callable[[], tuple[Any, Any]]
    abs_tol: float
    kind: str = field(default="exponent fit", init=False)

    def run(self, expected: Expected) -> Measurement:
        from asymptote.claims._model import evaluate_expected

        law, traj = memo(self.setup)
        fit = fit_law(law, traj)
        with mpmath.workdps(30):
            value = float(evaluate_expected(expected, 30))
        err = abs(fit.fitted - value)
        digits = float("inf") if err == 0 else -float(np.log10(err / max(abs(value), 1e-300)))
        return Measurement(
            measured=f"{fit.fitted:.10g}",
            expected=f"{value:.10g}",
            margin=digits,
            margin_unit="digits",
            passed=bool(err <= self.abs_tol),
            details=f"{law.law} fit to depth {int(traj.layers[-1])} with corrections "
            f"{tuple(round(c, 3) for c in law.corrections)}; window spread {fit.uncertainty:.2g}",
        )

    def tolerance_text(self) -> str:
        return f"|fit - expected| <= {self.abs_tol:g}"


def _add(**kw: Any) -> None:
    CLAIMS.append(Claim(source="YS17", **kw))


# ---------------------------------------------------------------- recurrences (App. B)
def _state(arch: str, sym: sympy.Symbol) -> Callable[[], sympy.Expr]:
    return lambda: recurrence(arch).state[sym]


_add(
    id="YS17/frn/length-recurrence",
    location="Thm. B.1.2 / B.2 (FRN length recurrence)",
    statement="In a full resnet, p^l = p^{l-1} + sigma_v^2 V phi(q^l) + sigma_a^2 with "
    "q^l = sigma_w^2 p^{l-1} + sigma_b^2, for any activation.",
    expected=Expected(p + SV**2 * Vphi(q) + SA**2, "YS17 App. B, typed by hand"),
    check=SymbolicIdentity(_state("frn", p)),
    tolerance_why="exact: SymPy derives the recurrence from the layer map",
    derivation=lambda: [("Mean-field rules applied to x^l = V phi(W x + b) + a + x:",
                         recurrence("frn").state[p])],
)
_add(
    id="YS17/frn/correlation-recurrence",
    location="Thm. B.1.2 (FRN gamma recurrence)",
    statement="In a full resnet the dot product obeys gamma^l = gamma^{l-1} + sigma_v^2 "
    "W phi(q^l, lambda^l) + sigma_a^2 with lambda^l = sigma_w^2 gamma^{l-1} + sigma_b^2.",
    expected=Expected(gamma + SV**2 * Wphi(q, lam) + SA**2, "YS17 App. B, typed by hand"),
    check=SymbolicIdentity(_state("frn", gamma)),
    tolerance_why="exact symbolic identity",
)
_add(
    id="YS17/frn/gradient-recurrence",
    location="Thm. B.1.2 (FRN backward recurrence)",
    statement="Under gradient independence, chi^{l-1} = (1 + sigma_v^2 sigma_w^2 V phi'(q^l)) "
    "chi^l in a full resnet.",
    expected=Expected(1 + SV**2 * SW**2 * Vdphi(q), "YS17 App. B, typed by hand"),
    check=SymbolicIdentity(lambda: recurrence("frn").gradient_factor),
    tolerance_why="exact symbolic identity",
)
_add(
    id="YS17/rrn/length-recurrence-odd",
    location="Lemma B.1.1 (RRN, antisymmetric phi)",
    statement="For an antisymmetric activation (mean transform zero) the reduced resnet obeys "
    "p^l = p^{l-1} + V phi(q^l).",
    expected=Expected(p + Vphi(q), "YS17 Lemma B.1.1, typed by hand"),
    check=SymbolicIdentity(lambda: recurrence("rrn").state[p].subs(Mphi(q), 0)),
    tolerance_why="exact symbolic identity (M phi = 0 for odd phi)",
)
_add(
    id="YS17/rrn/gradient-recurrence",
    location="Thm. B.1.1 (RRN backward recurrence)",
    statement="In a reduced resnet chi^{l-1} = (1 + sigma_w^2 V phi'(q^l)) chi^l.",
    expected=Expected(1 + SW**2 * Vdphi(q), "YS17 App. B, typed by hand"),
    check=SymbolicIdentity(lambda: recurrence("rrn").gradient_factor),
    tolerance_why="exact symbolic identity",
)


# ---------------------------------------------------------------- alpha-ReLU (Sec. 5.2)
def _alpha_class() -> Any:
    from asymptote.asymptotics import classify

    return classify(activation("alpha_relu", alpha="0.7"))


_add(
    id="YS17/alpha-relu/variance-transform",
    location="Sec. 5.2 and Lemma B.2 (V of alpha-ReLU)",
    statement="For alpha-ReLU, V phi(q) = c_alpha q^alpha with c_alpha = 2^(alpha-1) "
    "Gamma(alpha + 1/2)/sqrt(pi).",
    expected=Expected(2 ** (ALPHA - 1) * sympy.gamma(ALPHA + sympy.Rational(1, 2)) / sympy.sqrt(sympy.pi),
                      "YS17 Sec. 5.2 / Cho & Saul 2009"),
    check=SymbolicIdentity(lambda: _alpha_class().v1),
    tolerance_why="exact: SymPy integrates x^(2 alpha) against the Gaussian",
)


@cache
def _laws(arch: str, name: str, alpha: str | None, sw: str, sb: str, sv: str | None,
          sa: str | None) -> Any:
    act = activation(name, alpha=alpha) if alpha else activation(name)
    extra = {} if sv is None else {"sigma_v": sv, "sigma_a": sa}
    return leading_laws(arch, act, sw, sb, dps=30, **extra)


def _law_exponent(arch: str, name: str, quantity: str, alpha: str | None = None,
                  sv: str | None = "1", sa: str | None = "0") -> Callable[[], sympy.Expr]:
    if arch != "frn":
        sv = sa = None
    return lambda: _laws(arch, name, alpha, "1", "0", sv, sa)[quantity].exponent


_add(
    id="YS17/alpha-relu-frn/p-exponent",
    location="Thm. B.2.1 (p, q of alpha-ReLU FRN, 0 < alpha < 1)",
    statement="For alpha-ReLU full resnets with 0 < alpha < 1, p^l and q^l grow like "
    "l^{1/(1-alpha)}.",
    expected=Expected(1 / (1 - ALPHA), "YS17 Sec. 5.2"),
    check=SymbolicIdentity(_law_exponent("frn", "alpha_relu", "p", "0.7")),
    tolerance_why="exact: continuum limit dp/dl = K p^alpha solved by SymPy dsolve",
)
_add(
    id="YS17/alpha-relu-frn/chi-exponent",
    location="Thm. B.2.1 (gradient of alpha-ReLU FRN, 1/2 < alpha < 1)",
    statement="For 1/2 < alpha < 1, chi^0/chi^l grows like l^{alpha^2/((1-alpha)(2 alpha - 1))}.",
    expected=Expected(ALPHA**2 / ((1 - ALPHA) * (2 * ALPHA - 1)), "YS17 Sec. 5.2"),
    check=SymbolicIdentity(_law_exponent("frn", "alpha_relu", "chi", "0.7")),
    tolerance_why="exact symbolic identity",
)
_add(
    id="YS17/relu-frn/p-base",
    location="Thm. B.2.1 (ReLU FRN)",
    statement="For ReLU full resnets p^l grows exponentially with base 1 + sigma_v^2 sigma_w^2/2.",
    expected=Expected(1 + SV**2 * SW**2 / 2, "YS17 Sec. 5.2"),
    check=SymbolicIdentity(lambda: _laws("frn", "relu", None, "1", "0", "1", "0")["p"].exponent.subs(
        {sympy.Symbol("a", real=True): 1, sympy.Symbol("b", real=True): 0})),
    tolerance_why="exact: rsolve of the linear recurrence",
)


def _weight_gradient_law() -> sympy.Expr:
    laws = _laws("frn", "relu", None, "1", "0", "1", "0")
    return sympy.Integer(int(laws["chi_w"].law == "constant" and laws["chi_v"].law == "constant"))


_add(
    id="YS17/relu-frn/weight-gradients-constant",
    location="Sec. 5.2 (ReLU FRN backward dynamics)",
    statement="In ReLU full resnets the weight-gradient norms chi_w and chi_v do not depend on "
    "how far the gradient has propagated (the growth of chi cancels the decay of p).",
    expected=Expected(sympy.Integer(1), "YS17 Sec. 5.2 (1 = both laws constant)"),
    check=SymbolicIdentity(_weight_gradient_law),
    tolerance_why="exact: the law algebra cancels the exponential factors",
)


def _relu_cosine_constant(dps: int) -> Any:
    laws = _laws("frn", "relu", None, "1.3", "0", "0.8", "0")
    return laws["e"].value(laws["e"].coefficient, dps=dps)


def _relu_cosine_reference(dps: int) -> Any:
    with mpmath.workdps(dps + 10):
        B = 1 + mpmath.mpf("0.8") ** 2 * mpmath.mpf("1.3") ** 2 / 2
        return 9 * mpmath.pi**2 / 2 * (B / (B - 1)) ** 2


_add(
    id="YS17/relu-frn/cosine-rate-constant",
    location="Sec. 5.2, Thm. B.2.1 (1 - e ~ C l^-2 for ReLU FRN)",
    statement="For ReLU full resnets 1 - e^l ~ C l^{-2} with C depending on sigma_v and "
    "sigma_w only; here C = (9 pi^2/2)(B/(B-1))^2, B = 1 + sigma_v^2 sigma_w^2/2.",
    expected=Expected(_relu_cosine_reference, "closed form re-derived: J_1(c) - c ~ "
                      "(2 sqrt2/(3 pi))(1-c)^{3/2}"),
    check=HighPrecision(_relu_cosine_constant, digits=13, dps=30),
    tolerance_why="the (1-c)^{3/2} coefficient is extracted numerically by Richardson at "
    "w = 1e-16, 1e-18: relative error ~1e-16",
)


def _alpha_fixed_point(dps: int) -> Any:
    laws = _laws("frn", "alpha_relu", "0.7", "1", "0", "1", "0")
    return laws["e"].value(laws["e"].limit, dps=dps)


def _alpha_fixed_point_reference(dps: int) -> Any:
    from asymptote.alpha_relu import cosine_fixed_point

    return cosine_fixed_point("0.7", dps=dps)


_add(
    id="YS17/alpha-relu/cosine-fixed-point",
    location="Sec. 5.2 (non-unit fixed point e* of J_alpha)",
    statement="For 0 < alpha < 1 the cosine distance of alpha-ReLU FRNs tends to the "
    "non-unit fixed point e* of the normalized kernel (alpha = 0.7).",
    expected=Expected(_alpha_fixed_point_reference,
                      "asymptote.alpha_relu (Bessel/hypergeometric route, certified bracket)"),
    check=HighPrecision(_alpha_fixed_point, digits=20, dps=30),
    tolerance_why="two independent 30-digit root finders on two kernel implementations",
)


def _alpha_mu(dps: int) -> Any:
    return _laws("frn", "alpha_relu", "0.7", "1", "0", "1", "0")["e"].value(dps=dps)


def _alpha_mu_reference(dps: int) -> Any:
    from asymptote.alpha_relu import cosine_convergence_exponent

    return cosine_convergence_exponent("0.7", dps=dps)


_add(
    id="YS17/alpha-relu/cosine-rate",
    location="Sec. 5.2 (|e - e*| ~ l^-mu, mu independent of the variances)",
    statement="With sigma_a = 0, |e^l - e*| ~ l^{-mu}, mu = (1 - J'(e*))/(1 - alpha).",
    expected=Expected(_alpha_mu_reference, "asymptote.alpha_relu"),
    check=HighPrecision(_alpha_mu, digits=18, dps=30),
    tolerance_why="independent kernel derivative implementations at 30 digits",
)


# ---------------------------------------------------------------- tanh (Sec. 5.1)
_add(
    id="YS17/tanh-rrn/cosine-rate",
    location="Sec. 5.1 (tanh RRN: e* = 0, e ~ l^-(1 - 2/pi))",
    statement="For tanh-like reduced resnets e^l tends to 0 like l^{-(1 - 2/pi)}.",
    expected=Expected(1 - 2 / sympy.pi, "YS17 Sec. 5.1"),
    check=SymbolicIdentity(_law_exponent("rrn", "tanh", "e")),
    tolerance_why="exact: linearization of l de/dl = (2/pi) arcsin e - e at e = 0",
)
_add(
    id="YS17/tanh-rrn/gradient-coefficient",
    location="Sec. 5.1 (log chi^0/chi^l ~ C sqrt(l))",
    statement="For tanh reduced resnets log(chi^0/chi^l) ~ C sqrt(l) with "
    "C = (4/3) sqrt(2/pi) sigma_w.",
    expected=Expected(sympy.Rational(4, 3) * sympy.sqrt(2 / sympy.pi) * SW, "derived: "
                      "V phi'(q) ~ (4/3)/sqrt(2 pi q), q ~ sigma_w^2 l"),
    check=SymbolicIdentity(_law_exponent("rrn", "tanh", "chi")),
    tolerance_why="exact symbolic identity",
)
_add(
    id="YS17/tanh-frn/gradient-coefficient",
    location="Sec. 5.1 (FRN: C depends on sigma_a^2/sigma_v^2)",
    statement="For tanh full resnets C = (4/3) sqrt(2/pi) sigma_v^2 sigma_w / "
    "sqrt(sigma_v^2 + sigma_a^2).",
    expected=Expected(sympy.Rational(4, 3) * sympy.sqrt(2 / sympy.pi) * SV**2 * SW
                      / sympy.sqrt(SV**2 + SA**2), "derived as above with p ~ (sigma_v^2 + sigma_a^2) l"),
    check=SymbolicIdentity(lambda: _laws("frn", "tanh", None, "1", "0", "1", "1/2")["chi"].exponent),
    tolerance_why="exact symbolic identity",
)


# ---------------------------------------------------------------- fitted exponents
def _fit_setup(arch: str, name: str, alpha: str | None, quantity: str, depth: int,
               sv: str | None = "1", sa: str | None = "0", sb: str = "0") -> Callable[[], Any]:
    def setup() -> tuple[Any, Any]:
        act = activation(name, alpha=alpha) if alpha else activation(name)
        extra: dict[str, Any] = (
            {} if arch != "frn" else {"sigma_v": float(str(sv)), "sigma_a": float(str(sa))}
        )
        laws = leading_laws(arch, act, "1", sb, dps=20,
                            **({} if arch != "frn" else {"sigma_v": sv, "sigma_a": sa}))
        traj = iterate(arch, act, 1.0, float(sympy.Rational(sb)), depth=depth, e0=0.3, **extra)
        return laws[quantity], traj

    return setup


_add(
    id="YS17/alpha-relu-frn/p-exponent-fit",
    location="Fig. A.2 (exponents verified numerically)",
    statement="Iterating the alpha-ReLU (alpha = 0.7) FRN recurrence to depth 1e5 reproduces "
    "the exponent 1/(1-alpha) of p.",
    expected=Expected(sympy.Rational(10, 3), "1/(1 - alpha) at alpha = 7/10"),
    check=DepthLawFit(_fit_setup("frn", "alpha_relu", "0.7", "p", 100_000), abs_tol=1e-5),
    tolerance_why="fit with the l^-1 log l discretization correction; measured ~7 digits at "
    "1e5, 9 at 1e6",
)
_add(
    id="YS17/alpha-relu-frn/chi-exponent-fit",
    location="Fig. A.2 (gradient exponents verified numerically)",
    statement="Iterating to depth 1e5 reproduces the gradient exponent "
    "alpha^2/((1-alpha)(2alpha-1)) = 49/12 at alpha = 0.7.",
    expected=Expected(sympy.Rational(49, 12), "YS17 formula at alpha = 7/10"),
    check=DepthLawFit(_fit_setup("frn", "alpha_relu", "0.7", "chi", 100_000), abs_tol=1e-4),
    tolerance_why="measured 6 digits at 1e5; tolerance 1e-4 leaves a factor 25",
)
_add(
    id="YS17/relu-frn/cosine-rate-fit",
    location="Fig. A.2 (1 - e ~ l^-2 for ReLU)",
    statement="Iterating the ReLU FRN (sigma_a = 0.5) recurrence to depth 1e5 gives "
    "1 - e ~ l^{-2}.",
    expected=Expected(2, "YS17 Sec. 5.2"),
    check=DepthLawFit(_fit_setup("frn", "relu", None, "e", 100_000, sa="0.5", sb="0.2"),
                      abs_tol=1e-3),
    tolerance_why="1 - e is tracked directly (no cancellation); measured 1.5e-4 error "
    "(log corrections)",
)
_add(
    id="YS17/tanh-like-rrn/cosine-rate-fit",
    location="Sec. 5.1 (tanh-like RRN, verified with erf)",
    statement="Iterating the erf reduced resnet to depth 3000 gives e ~ l^{-(1 - 2/pi)}.",
    expected=Expected(1 - 2 / sympy.pi, "YS17 Sec. 5.1"),
    check=DepthLawFit(_fit_setup("rrn", "erf", None, "e", 3000, sv=None, sa=None), abs_tol=5e-3),
    tolerance_why="corrections O(l^-1/2) from the finite-q kernel; measured 2.4e-3 at 3000",
    quick=False,
)
_add(
    id="YS17/tanh-like-rrn/gradient-fit",
    location="Sec. 5.1 (log chi ~ C sqrt(l), verified with erf)",
    statement="Iterating the erf reduced resnet to depth 3000 gives log(chi^0/chi^l) ~ C sqrt(l) "
    "with C = 2 sigma_w K, K = int erf'^2 / sqrt(2 pi) = 2/pi.",
    expected=Expected(4 / sympy.pi, "2 sigma_w K at sigma_w = 1"),
    check=DepthLawFit(_fit_setup("rrn", "erf", None, "chi", 3000, sv=None, sa=None),
                      abs_tol=3e-3),
    tolerance_why="O(log l / sqrt l) corrections; measured 1e-3 at depth 3000",
    quick=False,
)


# ---------------------------------------------------------------- Monte Carlo (Fig. 1)
def _mc_frn_tanh(rng: np.random.Generator) -> tuple[float, float]:
    from asymptote.finite_width.montecarlo import simulate

    seed = int(rng.integers(0, 2**31))
    result = simulate("frn", "tanh", 1.0, 0.3, sigma_v=1.0, sigma_a=0.5, width=1000, depth=10,
                      samples=60, seed=seed)
    mean, se = result["p"]
    return float(mean[10]), float(se[10])


def _theory_frn_tanh(dps: int) -> Any:
    from asymptote.finite_width.montecarlo import default_inputs

    m0 = float(default_inputs(1000)[0].mean())
    traj = iterate("frn", "tanh", 1.0, 0.3, sigma_v=1.0, sigma_a=0.5, depth=10, e0=0.5, m0=m0)
    return mpmath.mpf(float(np.exp(traj.log_p[9])))


_add(
    id="YS17/frn/recurrence-tracks-networks",
    location="Fig. 1 (theory vs experiment, tanh FRN)",
    statement="The FRN length recurrence predicts p^l of finite random tanh networks "
    "(width 1000, depth 10, 60 networks).",
    expected=Expected(_theory_frn_tanh, "asymptote.recurrences.iterate (mean field)"),
    check=MonteCarlo(_mc_frn_tanh, seed=11, bias=0.02),
    tolerance_why="4 standard errors plus 0.02 for the O(depth/width) finite-width bias",
    quick=False,
)


# ---------------------------------------------------------------- discrepancies
def _mc_rrn_relu(rng: np.random.Generator) -> tuple[float, float]:
    from asymptote.finite_width.montecarlo import simulate

    seed = int(rng.integers(0, 2**31))
    result = simulate("rrn", "relu", 1.0, 0.0, width=400, depth=8, samples=40, seed=seed)
    mean, se = result["p"]
    return float(mean[8]), float(se[8])


def _naive_rrn_relu(dps: int) -> Any:
    from asymptote.transforms import transform

    value = 1.0
    for _ in range(8):
        value = value + transform("V", "relu", value)
    return mpmath.mpf(value)


_add(
    id="YS17/rrn/odd-recurrence-applied-to-relu",
    location="Lemma B.1.1 (RRN recurrence assumes antisymmetric phi, Axiom 3.1)",
    statement="The reduced-resnet length recurrence p^l = p^{l-1} + V phi(q^l) describes "
    "finite ReLU reduced resnets.",
    expected=Expected(_naive_rrn_relu, "the odd-activation recurrence iterated for ReLU"),
    check=MonteCarlo(_mc_rrn_relu, seed=5, bias=0.03),
    tolerance_why="4 standard errors plus 3% finite-width bias",
    status="discrepancy",
    note="The recurrence drops E[x phi(h)] = m M phi(q), which is not zero for ReLU: the mean "
    "of the coordinates grows. asymptote.recurrences keeps the term 2 m M phi(q) and then "
    "matches the networks (tests/residual/test_recurrences.py).",
    evidence="width 400, depth 8, 40 networks: Monte Carlo p^8 is many standard errors above "
    "the odd-activation recurrence; the recurrence with the mean term is within 4 SE + 3%.",
    quick=False,
)
_add(
    id="YS17/alpha-relu-frn/rate-with-sigma-a",
    location="Sec. 5.2 (mu 'independent of the variances')",
    statement="The convergence exponent mu of |e - e*| does not depend on the variances, "
    "also with sigma_a != 0 (alpha = 0.1, sigma_a = 1: mu = 0.43625...).",
    expected=Expected(lambda dps: _laws("frn", "alpha_relu", "0.1", "1", "0", "1", "0")["e"].value(dps=dps),
                      "mu at sigma_a = 0 (asymptote.asymptotics)"),
    check=DepthLawFit(_fit_setup("frn", "alpha_relu", "0.1", "e", 1_000_000, sa="1"),
                      abs_tol=0.02),
    tolerance_why="the sigma_a = 0 fit reproduces mu to 7 digits at this depth",
    status="discrepancy",
    note="With sigma_a != 0 the forcing sigma_a^2 (1 - e)/p ~ l^{-1/(1-alpha)} adds a term "
    "l^{-alpha/(1-alpha)} to e - e*, which dominates when alpha/(1-alpha) < mu (small alpha): "
    "the rate becomes min(mu, alpha/(1-alpha)).",
    evidence="alpha = 0.1, depth 1e6: sigma_a = 0 fits mu = 0.4362534 (7 digits); sigma_a = 1 "
    "fits 0.099 +- 0.002, near alpha/(1-alpha) = 0.111 and far from mu.",
    quick=False,
)


# ---------------------------------------------------------------- Bessel identities (App. C.7)
def _bessel_claims() -> None:
    from ._bessel_identities import bessel_identities

    for ident in bessel_identities():
        point = dict(ident.sample_points[0])

        def lhs(dps: int, ident: Any = ident, point: dict[str, str] = point) -> Any:
            return ident.lhs(dps=dps, **point)

        def rhs(dps: int, ident: Any = ident, point: dict[str, str] = point) -> Any:
            return ident.rhs(dps=dps, **point)

        where = ", ".join(f"{k} = {v}" for k, v in point.items())
        _add(
            id=f"YS17/bessel/{ident.name.replace('_', '-')}",
            location="App. C.7.1 (kernel identities via K_0; statement re-derived, see citation)",
            statement=f"Identity {ident.latex} at {where}.",
            expected=Expected(rhs, f"right-hand side: {ident.citation}"),
            check=HighPrecision(lhs, digits=50, dps=60),
            tolerance_why="both sides by independent routes (quadrature vs closed form) at 60 "
            "digits; 50 digits asserted",
            quick=True,
        )


_bessel_claims()
