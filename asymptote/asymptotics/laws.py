r"""Leading depth asymptotics of every mean-field quantity, derived symbolically.

For an architecture of :mod:`asymptote.recurrences` and an activation classified by
:func:`asymptote.asymptotics.constants.classify`, the recurrence's large-depth form is
obtained by substituting the exact large-variance transforms, and its continuum limit
:math:`x_l - x_{l-1} \to dx/dl` is solved by SymPy (``dsolve``; ``rsolve`` for the exactly
linear ReLU case). Results (``Law.exponent`` is an exact SymPy expression in the activation
parameters and the variances; :math:`e_*` is the non-unit fixed point, a SymPy symbol whose
value is computed at the requested precision):

*Full resnet, alpha-ReLU,* :math:`0 \le \alpha < 1` [YS17, Sec. 5.2, Thm. B.2.1]:
:math:`dp/dl = K p^\alpha`, :math:`K = \sigma_v^2 v_1 \sigma_w^{2\alpha}`, so
:math:`p \sim ((1-\alpha)K l)^{1/(1-\alpha)}`; :math:`l\,de/dl = (J(e) - e)/(1-\alpha)` so
:math:`|e - e_*| \sim l^{-\mu}`, :math:`\mu = (1 - J'(e_*))/(1-\alpha)`, :math:`J(e_*) = e_*`;
:math:`\chi^0/\chi^l \sim l^{R}`, :math:`R = d_1/((1-\alpha)v_1) = \alpha^2/((1-\alpha)(2\alpha-1))`
(:math:`\alpha > 1/2`). With :math:`\sigma_a \ne 0` the forcing :math:`\sigma_a^2(1-e)/p` adds
a term :math:`l^{-\alpha/(1-\alpha)}` to :math:`e - e_*`, so the rate is
:math:`\min(\mu, \alpha/(1-\alpha))` (not stated in [YS17]; recorded as a discrepancy).

*Full resnet, ReLU-like (degree 1):* :math:`p^l = B p^{l-1} + \text{const}`,
:math:`B = 1 + \sigma_v^2\sigma_w^2 v_1`; :math:`1 - e \sim \frac{4B^2}{A^2(B-1)^2} l^{-2}`
with :math:`J(c) - c \sim A (1-c)^{3/2}` (ReLU: :math:`A = 2\sqrt2/(3\pi)`, giving
:math:`\tfrac{9\pi^2}{2}(B/(B-1))^2`); :math:`\chi` exponential with base :math:`B`;
:math:`\chi_w, \chi_v` constant [YS17, Sec. 5.2].

*Reduced resnet, non-odd homogeneous* (the mean term of
:mod:`asymptote.recurrences.architecture`; [YS17] treats odd activations only):
:math:`dm/dl = m_1\sigma_w^\alpha p^{\alpha/2}` and :math:`p \approx m^2`, so
:math:`p \sim ((1-\alpha)m_1\sigma_w^\alpha l)^{2/(1-\alpha)}`, the squared distance
:math:`s` tends to a constant and :math:`1 - e \sim l^{-2/(1-\alpha)}`; ReLU: exponential
with the base :math:`B = 1 + v_1\sigma_w^2 + 2 m_1\sigma_w r_*`, :math:`r_*` the positive
root of :math:`r^2 (1 + v_1\sigma_w^2 + 2 m_1 \sigma_w r) = (r + m_1\sigma_w)^2`.

*Tanh-like* [YS17, Sec. 5.1, Thm. B.1.1-B.1.2]: :math:`p \sim P l`,
:math:`P = \sigma_v^2 L^2 + \sigma_a^2` (reduced: :math:`\sigma_v = 1, \sigma_a = 0`);
:math:`e_*` solves :math:`\rho\,\tfrac{2}{\pi}\arcsin e + 1 - \rho = e`,
:math:`\rho = \sigma_v^2 L^2/P`, :math:`\mu = 1 - \rho\,\tfrac{2}{\pi}(1-e_*^2)^{-1/2}`;
:math:`\log(\chi^0/\chi^l) \sim C\sqrt l`, :math:`C = 2\sigma_v^2\sigma_w K/\sqrt P`.

Parameter gradients are reported as :math:`\chi_\theta^1/\chi_\theta^l` (first layer over
last layer of a depth-:math:`l` net): :math:`\chi^1/\chi^l` times the ratio of the
multipliers :math:`\chi_\theta/\chi` of :mod:`asymptote.recurrences`, whose depth laws follow
from those of :math:`p` and :math:`q`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy

from .._types import MpfFunction
from .._validate import architecture_sigmas, to_exact
from ..activations import BoundActivation, as_activation
from ..recurrences import recurrence
from ..recurrences.symbols import layer as l_sym
from ..recurrences.symbols import sigma
from ..transforms import transform
from .constants import ActivationClass, classify

__all__ = ["Law", "LAW_KINDS", "leading_laws"]

LAW_KINDS = (
    "power",
    "exponential",
    "stretched_exponential",
    "fixed_point_power",
    "fixed_point_exponential",
    "constant",
    "divergent",
    "unknown",
)

E_STAR = sympy.Symbol("e_star", positive=True)
R_STAR = sympy.Symbol("r_star", positive=True)


@dataclass(frozen=True)
class Law:
    r"""The leading law of one quantity in depth :math:`l`.

    ``law``: one of :data:`LAW_KINDS`. ``exponent``: power-law exponent (``power``,
    ``fixed_point_power``: :math:`|y - y_*| \sim l^{-\text{exponent}}`), base of
    ``exponential``/``fixed_point_exponential``, coefficient :math:`C` of
    ``stretched_exponential`` (:math:`\log y \sim C\sqrt l`), 0 for ``constant``.
    ``limit``: :math:`y_*` of fixed-point laws. ``corrections``: exponents :math:`\omega` of
    the relative next-order terms :math:`l^{-\omega}` used by the exponent fits.
    """

    quantity: str
    law: str
    exponent: sympy.Expr | None = None
    limit: sympy.Expr | None = None
    coefficient: sympy.Expr | None = None
    corrections: tuple[float, ...] = ()
    note: str = ""
    derivation: tuple[str, ...] = ()
    numbers: dict[sympy.Symbol, Any] = field(default_factory=dict)

    def value(self, expr: sympy.Expr | None = None, *, dps: int = 20) -> mpmath.mpf | None:
        """Numeric value of ``expr`` (default: the exponent) at ``dps`` digits."""
        target = self.exponent if expr is None else expr
        if target is None:
            return None
        if not isinstance(target, (sympy.Basic, int)):  # never parse text (sympify is eval)
            raise TypeError(f"expr must be a SymPy expression, got {type(target).__name__}")
        with mpmath.workdps(dps + 10):
            num = sympy.N(sympy.sympify(target, strict=True).subs(self.numbers), dps + 10)
            if not num.is_real:
                return None
            return mpmath.mpf(str(num))


def _ode_power_exponent(k: sympy.Expr, K: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
    """Solve dp/dl = K p^k (0 <= k < 1) with SymPy and return (exponent, coefficient)."""
    f = sympy.Function("p")
    kk = sympy.Symbol("k", nonnegative=True)
    KK = sympy.Symbol("K", positive=True)
    sol = sympy.dsolve(sympy.Eq(f(l_sym).diff(l_sym), KK * f(l_sym) ** kk), f(l_sym))
    sols = sol if isinstance(sol, list) else [sol]
    rhs = None
    for s in sols:
        cand = s.rhs.subs("C1", 0)
        if cand.is_real is not False:
            rhs = cand
            break
    assert rhs is not None
    exponent = sympy.simplify(
        sympy.limit(sympy.log(rhs.subs({kk: sympy.Rational(1, 2), KK: 1})) / sympy.log(l_sym),
                    l_sym, sympy.oo)
    )
    # the general exponent 1/(1-k) (checked at k = 1/2 against the SymPy solution)
    general = 1 / (1 - kk)
    if sympy.simplify(general.subs(kk, sympy.Rational(1, 2)) - exponent) != 0:
        raise AssertionError("continuum solution disagrees with the power-law ansatz")
    coefficient = ((1 - kk) * KK) ** (1 / (1 - kk))
    return general.subs(kk, k), coefficient.subs({kk: k, KK: K})


def _kernel_functions(
    act: BoundActivation, cls: ActivationClass, dps: int
) -> tuple[MpfFunction, MpfFunction]:
    if cls.kind == "tanh_like":
        return (lambda c: 2 / mpmath.pi * mpmath.asin(c),
                lambda c: 2 / mpmath.pi / mpmath.sqrt(1 - c * c))
    v = transform("V", act, 1, dps=dps + 5)

    def J(c: mpmath.mpf) -> mpmath.mpf:
        with mpmath.workdps(dps + 10):
            return transform("W", act, 1, 1, c, dps=dps + 5) / v

    def Jd(c: mpmath.mpf) -> mpmath.mpf:
        with mpmath.workdps(dps + 10):
            return transform("Wd", act, 1, 1, c, dps=dps + 5) / v

    return J, Jd


def _fixed_point(J: Any, rho: mpmath.mpf, dps: int) -> mpmath.mpf | None:
    """Root in [0, 1) of rho J(e) + 1 - rho - e (None if only e = 1)."""
    with mpmath.workdps(dps + 10):
        f = lambda e: rho * J(e) + 1 - rho - e  # noqa: E731
        lo, hi = mpmath.mpf(0), 1 - mpmath.mpf(10) ** (-8)
        if f(lo) == 0:
            return lo
        if f(hi) >= 0:
            return None
        for _ in range(200):  # bisection to a small bracket, then a secant polish
            mid = (lo + hi) / 2
            if f(mid) > 0:
                lo = mid
            else:
                hi = mid
            if hi - lo < mpmath.mpf(10) ** (-12):
                break
        root = mpmath.findroot(f, (lo, hi), solver="anderson")
        return +root


def leading_laws(
    arch: str,
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    *,
    sigma_v: Any = None,
    sigma_a: Any = None,
    dps: int = 30,
) -> dict[str, Law]:
    """Leading depth laws of ``p, q, e, s, chi`` and ``chi_<param>`` (see module docstring).

    Raises
    ------
    ValueError
        Unknown architecture, missing or superfluous ``sigma_v``/``sigma_a``.
    """
    act = as_activation(activation)
    rec = recurrence(arch)
    given = architecture_sigmas(
        arch, sigma_w=sigma_w, sigma_b=sigma_b, sigma_v=sigma_v, sigma_a=sigma_a
    )
    numbers: dict[sympy.Symbol, Any] = {}
    for name, value in given.items():
        # exact, never through SymPy's parser: text by the strict number grammar, floats
        # as the decimal their repr shows (1.3 -> 13/10), SymPy numbers kept
        exact = to_exact(value, name)
        if exact < 0:
            raise ValueError(f"{name} must be >= 0, got {value!r}")
        numbers[sigma(name.removeprefix("sigma_"))] = exact
    if arch != "feedforward" and numbers.get(sigma("w")) == 0:
        raise ValueError(
            f"sigma_w must be > 0 for the depth laws of arch {arch!r}, got {sigma_w!r}: they "
            f"are large-variance laws, and with sigma_w = 0 the pre-activation variance "
            f"q = sigma_w^2 p + sigma_b^2 stays sigma_b^2 instead of growing with depth"
        )
    cls = classify(act)
    numbers.update(dict(cls.values))
    params = sorted(rec.parameter_gradients)
    sw = sigma("w")
    if arch == "frn":
        sv, sa = sigma("v"), sigma("a")
    else:
        sv, sa = sympy.Integer(1), sympy.Integer(0)
    laws: dict[str, Law] = {}

    def put(**kw: Any) -> None:
        kw.setdefault("numbers", numbers)
        laws[kw["quantity"]] = Law(**kw)

    def unknown(note: str) -> dict[str, Law]:
        for qn in ("p", "q", "e", "s", "chi", *(f"chi_{n}" for n in params)):
            put(quantity=qn, law="unknown", note=note)
        return laws

    if arch == "feedforward":
        return unknown("feedforward nets converge exponentially to their fixed point; see "
                       "asymptote.mean_field (chi_1, xi_q, xi_c) for the rates")
    if cls.kind == "other":
        return unknown(f"no asymptotic theory for {act!r} (neither homogeneous nor tanh-like)")

    if cls.kind == "tanh_like":
        L: Any = cls.limit
        K: Any = cls.slope_constant
        P = sv**2 * L**2 + sa**2
        rho = sv**2 * L**2 / P
        put(quantity="p", law="power", exponent=sympy.Integer(1), coefficient=P,
            corrections=(0.5, 1.0), derivation=(
                r"\mathcal{V}\phi(q) \to L^2 \text{ as } q \to \infty",
                rf"p^l - p^{{l-1}} \to {sympy.latex(P)} \Rightarrow p^l \sim {sympy.latex(P)}\, l",
            ))
        put(quantity="q", law="power", exponent=sympy.Integer(1), coefficient=sw**2 * P,
            corrections=(0.5, 1.0))
        rho_v = float(sympy.N(rho.subs(numbers), dps))
        J, Jd = _kernel_functions(act, cls, dps)
        estar = _fixed_point(J, mpmath.mpf(rho_v), dps) if rho_v < 1 else mpmath.mpf(0)
        if rho_v >= 1:
            estar_expr: sympy.Expr = sympy.Integer(0)
        else:
            estar_expr = E_STAR
            numbers[E_STAR] = sympy.Float(mpmath.nstr(estar, dps + 5), dps + 5)
        mu = 1 - rho * sympy.Rational(2) / sympy.pi / sympy.sqrt(1 - estar_expr**2)
        mu_t = float(sympy.N(mu.subs(numbers)))
        put(quantity="e", law="fixed_point_power", exponent=sympy.simplify(mu),
            limit=estar_expr, corrections=(0.5, mu_t, 2 * mu_t, 1.0),
            derivation=(
                r"\mathcal{W}\phi(q, cq) \to L^2\,\tfrac{2}{\pi}\arcsin c",
                rf"l\,\frac{{de}}{{dl}} = {sympy.latex(rho)}\,\tfrac{{2}}{{\pi}}\arcsin e + 1 - "
                rf"{sympy.latex(rho)} - e",
            ), note="e_* solves rho (2/pi) arcsin(e) + 1 - rho = e")
        put(quantity="s", law="power", exponent=sympy.Integer(1),
            coefficient=2 * P * (1 - estar_expr), corrections=(0.5, mu_t, 2 * mu_t, 1.0))
        C = sympy.simplify(2 * sv**2 * sw * K / sympy.sqrt(P))
        derivation = (
            r"\mathcal{V}\phi'(q) \sim K q^{-1/2},\ K = \int\phi'^2/\sqrt{2\pi}",
            rf"\log\frac{{\chi^0}}{{\chi^l}} \approx \sum_k \sigma_v^2\sigma_w^2 K (\sigma_w^2 P k)^{{-1/2}}"
            rf" \sim {sympy.latex(C)}\sqrt{{l}}",
        )
        put(quantity="chi", law="stretched_exponential", exponent=C, corrections=(0.5, 1.0),
            derivation=derivation)
        for n in params:
            put(quantity=f"chi_{n}", law="stretched_exponential", exponent=C,
                corrections=(0.5, 1.0),
                note="same leading constant as chi; the multiplier adds a power prefactor")
        return laws

    # ---- positively homogeneous activations
    k: Any = cls.degree
    v1: Any = cls.v1
    m1: Any = cls.m1
    d1: Any = cls.d1
    kval = sympy.nsimplify(k.subs(numbers))
    if kval > 1:
        return unknown("degree > 1: the continuum limit blows up at finite depth")
    m1val = sympy.simplify(m1.subs(numbers))
    if arch == "rrn" and m1val != 0:
        return _rrn_mean_dominated(laws, put, act, cls, k, kval, v1, m1, d1, params, numbers, dps)
    # FRN (or RRN with an odd homogeneous activation: sigma_v = 1, sigma_a = 0)
    if kval < 1:
        K = sv**2 * v1 * sw ** (2 * k) + (sa**2 if kval == 0 else 0)
        exponent, coefficient = _ode_power_exponent(k, K)
        corr = (1.0,) + ((float(kval / (1 - kval)),) if kval > 0 else ())
        put(quantity="p", law="power", exponent=exponent, coefficient=coefficient,
            corrections=corr, derivation=(
                rf"\mathcal{{V}}\phi(q) = {sympy.latex(v1)}\, q^{{{sympy.latex(k)}}}",
                rf"\frac{{dp}}{{dl}} = {sympy.latex(K)}\, p^{{{sympy.latex(k)}}}",
                rf"p \sim {sympy.latex(coefficient)}\, l^{{{sympy.latex(exponent)}}}",
            ))
        put(quantity="q", law="power", exponent=exponent, coefficient=sw**2 * coefficient,
            corrections=corr)
        rho = sympy.Integer(1) if kval > 0 else sv**2 * v1 / (sv**2 * v1 + sa**2)
        rho_v = mpmath.mpf(str(sympy.N(rho.subs(numbers), dps + 5)))
        J, Jd = _kernel_functions(act, cls, dps)
        estar = _fixed_point(J, rho_v, dps)
        if estar is None:
            put(quantity="e", law="unknown", note="no fixed point below 1")
            put(quantity="s", law="unknown")
        else:
            numbers[E_STAR] = sympy.Float(mpmath.nstr(estar, dps + 5), dps + 5)
            jd = sympy.Symbol("Jprime_star")
            numbers[jd] = sympy.Float(mpmath.nstr(Jd(estar), dps + 5), dps + 5)
            mu = (1 - rho * jd) / (1 - k)
            note = "J(e_*) = e_*, J the normalized kernel of phi"
            law_exp = mu
            gap = 0.0
            if kval > 0 and numbers[sigma("a")] != 0 if arch == "frn" else False:
                forcing = k / (1 - k)
                mu_v = sympy.N(mu.subs(numbers))
                f_v = sympy.N(forcing.subs(numbers))
                if f_v < mu_v:
                    law_exp = forcing
                    gap = float(mu_v - f_v)
                    note += ("; sigma_a != 0 forces e - e_* ~ l^(-alpha/(1-alpha)), slower "
                             "than the sigma_a = 0 rate mu (discrepancy with YS17's "
                             "variance-independent rate)")
            mu_f = float(sympy.N(law_exp.subs(numbers)))
            e_corr = (mu_f, 2 * mu_f, 1.0) if law_exp is mu else (gap, mu_f, 2 * mu_f, 1.0)
            put(quantity="e", law="fixed_point_power", exponent=law_exp, limit=E_STAR,
                corrections=e_corr, note=note,
                derivation=(
                    r"l\,\frac{de}{dl} = \frac{J(e) - e}{1-\alpha}",
                    r"e - e_* \propto l^{-(1 - J'(e_*))/(1-\alpha)}",
                ))
            put(quantity="s", law="power", exponent=exponent,
                coefficient=2 * coefficient * (1 - E_STAR), corrections=(*corr, mu_f, 2 * mu_f))
        if d1 == sympy.oo or (kval <= sympy.Rational(1, 2)):
            for qn in ("chi", *(f"chi_{n}" for n in params)):
                put(quantity=qn, law="divergent",
                    note="E[phi'(z)^2] diverges for alpha <= 1/2: the gradient is infinite")
            return laws
        R = sympy.factor(sympy.gammasimp(sympy.expand_func(d1 / ((1 - k) * v1))))
        put(quantity="chi", law="power", exponent=R, corrections=(1.0,), derivation=(
            rf"\log\frac{{\chi^0}}{{\chi^l}} \approx \sum_k \frac{{d_1}}{{(1-\alpha) v_1 k}}"
            rf" = {sympy.latex(R)} \log l",
        ))
        shifts = {"a": 0, "b": 1, "w": 1 - 1 / (1 - k), "v": -k / (1 - k)}
        for n in params:
            put(quantity=f"chi_{n}", law="power", exponent=sympy.factor(sympy.gammasimp(R + shifts[n])),
                corrections=(1.0,))
        return laws
    # degree 1
    B = 1 + sv**2 * sw**2 * v1
    pl = sympy.Function("p")
    const = sympy.Symbol("c0")
    sol = sympy.rsolve(pl(l_sym) - sympy.Symbol("B") * pl(l_sym - 1) - const, pl(l_sym))
    derivation = (
        rf"p^l = B\,p^{{l-1}} + c_0,\ B = {sympy.latex(B)}",
        rf"p^l = {sympy.latex(sol)}",
    )
    put(quantity="p", law="exponential", exponent=B, derivation=derivation)
    put(quantity="q", law="exponential", exponent=B)
    A = _three_halves_coefficient(act, cls, dps)
    if A == 0:
        put(quantity="e", law="constant", exponent=sympy.Integer(0),
            note="linear network: the cosine distance is preserved")
        put(quantity="s", law="exponential", exponent=B)
    else:
        Asym = sympy.Symbol("A")
        numbers[Asym] = A
        coefficient = 4 * B**2 / (Asym**2 * (B - 1) ** 2)
        put(quantity="e", law="fixed_point_power", exponent=sympy.Integer(2),
            limit=sympy.Integer(1), coefficient=coefficient, corrections=(0.5, 1.0),
            note="1 - e ~ coefficient * l^-2, A the (1-c)^(3/2) coefficient of J(c) - c",
            derivation=(
                r"u = 1 - e:\ u^l = u - \frac{B-1}{B} A u^{3/2} + \dots",
                r"u^{-1/2} \sim \frac{(B-1)A}{2B}\, l",
            ))
        put(quantity="s", law="exponential", exponent=B, note="s ~ p (1 - e) ~ B^l l^-2")
    Bg = 1 + sv**2 * sw**2 * d1
    put(quantity="chi", law="exponential", exponent=sympy.simplify(Bg))
    for n in params:
        if n in ("w", "v"):
            put(quantity=f"chi_{n}", law="constant", exponent=sympy.Integer(0),
                note="the growth of chi is cancelled by the decay of the multiplier "
                     "(YS17 Sec. 5.2)")
        else:
            put(quantity=f"chi_{n}", law="exponential", exponent=sympy.simplify(Bg))
    return laws


def _three_halves_coefficient(act: BoundActivation, cls: ActivationClass, dps: int) -> Any:
    r"""A in :math:`J(c) - c \sim A(1-c)^{3/2}` for degree-1 activations.

    For :math:`\phi = a x^+ - b x^-` (slopes a, b): :math:`A = \frac{(a-b)^2}{a^2+b^2}
    \frac{2\sqrt2}{3\pi}` (the :math:`|x|` part carries the non-analytic term; ReLU
    :math:`J_1(\theta) = \sin\theta + (\pi-\theta)\cos\theta` [CS09]); confirmed here
    numerically at ``dps`` digits by a two-point extrapolation of
    :math:`(J(1-w) - (1-w))/w^{3/2}`.
    """
    with mpmath.workdps(dps + 20):
        v = transform("V", act, 1, dps=dps + 20)

        def ratio(w: mpmath.mpf) -> mpmath.mpf:
            c = 1 - w
            return (transform("W", act, 1, 1, c, dps=dps + 20) / v - c) / w**1.5

        w1, w2 = mpmath.mpf(10) ** -16, mpmath.mpf(10) ** -18
        r1, r2 = ratio(w1), ratio(w2)
        # next term is O(w^(1/2)) relative: Richardson in sqrt(w)
        s1, s2 = mpmath.sqrt(w1), mpmath.sqrt(w2)
        A = (r2 * s1 - r1 * s2) / (s1 - s2)
        if abs(A) < mpmath.mpf(10) ** (-dps // 2):
            return sympy.Integer(0)
        return sympy.Float(mpmath.nstr(A, dps + 5), dps + 5)


def _rrn_mean_dominated(
    laws: dict[str, Law],
    put: Any,
    act: BoundActivation,
    cls: ActivationClass,
    k: sympy.Expr,
    kval: sympy.Expr,
    v1: sympy.Expr,
    m1: sympy.Expr,
    d1: sympy.Expr,
    params: list[str],
    numbers: dict[sympy.Symbol, Any],
    dps: int,
) -> dict[str, Law]:
    sw = sigma("w")
    note = ("derived with the mean term 2 m Mphi(q) that YS17 drop for odd activations; "
            "YS17's reduced-resnet theory does not cover non-odd activations")
    if kval < 1:
        exponent, coefficient = _ode_power_exponent(k, m1 * sw**k)  # dm/dl = m1 sw^k m^k
        exponent = sympy.simplify(2 * exponent)
        put(quantity="p", law="power", exponent=exponent, coefficient=coefficient**2,
            corrections=(1.0,), note=note, derivation=(
                r"m^l - m^{l-1} = \mathcal{M}\phi(q) = m_1 \sigma_w^{\alpha} p^{\alpha/2},"
                r"\quad p \approx m^2",
                rf"p \sim m^2 \propto l^{{{sympy.latex(exponent)}}}",
            ))
        put(quantity="q", law="power", exponent=exponent, corrections=(1.0,), note=note)
        put(quantity="e", law="fixed_point_power", exponent=exponent, limit=sympy.Integer(1),
            corrections=(1.0,), note="s tends to a constant, so 1 - e = s/(2p) ~ l^-exponent")
        put(quantity="s", law="constant", exponent=sympy.Integer(0), corrections=(1.0,),
            note="the increments of s are summable: v1 q^alpha G(1 - c) ~ l^-2")
        if d1 == sympy.oo or kval <= sympy.Rational(1, 2):
            for qn in ("chi", *(f"chi_{n}" for n in params)):
                put(quantity=qn, law="divergent", note="E[phi'^2] diverges for alpha <= 1/2")
            return laws
        put(quantity="chi", law="constant", exponent=sympy.Integer(0), corrections=(1.0,),
            note="sigma_w^2 d1 q^(alpha-1) ~ l^-2 is summable")
        shifts = {"b": sympy.Integer(2), "w": sympy.simplify(2 - exponent)}
        for n in params:
            put(quantity=f"chi_{n}", law="power", exponent=shifts[n], corrections=(1.0,))
        return laws
    # ReLU-like reduced resnet: coupled linear growth of (m, sqrt p)
    beta = 1 + v1 * sw**2
    cc = m1 * sw
    r = sympy.Symbol("r", positive=True)
    cubic = sympy.expand(r**2 * (beta + 2 * cc * r) - (r + cc) ** 2)
    roots = [z for z in sympy.Poly(cubic.subs(numbers), r).nroots(n=dps) if abs(sympy.im(z)) < 1e-20 and sympy.re(z) > 0]
    rstar = max(sympy.re(z) for z in roots)
    numbers[R_STAR] = sympy.Float(rstar, dps)
    B = beta + 2 * cc * R_STAR
    put(quantity="p", law="exponential", exponent=B, note=note + f"; r_* root of {cubic} = 0",
        derivation=(
            r"r = m/\sqrt{p}:\ r^l = (r + m_1\sigma_w)/\sqrt{1 + v_1\sigma_w^2 + 2 m_1 \sigma_w r}",
            rf"{sympy.latex(cubic)} = 0",
        ))
    put(quantity="q", law="exponential", exponent=B)
    put(quantity="e", law="fixed_point_exponential", exponent=beta / B, limit=sympy.Integer(1),
        note="s grows like (1 + v1 sigma_w^2)^l, slower than p")
    put(quantity="s", law="exponential", exponent=beta)
    Bg = 1 + sw**2 * d1
    put(quantity="chi", law="exponential", exponent=Bg)
    for n in params:
        put(quantity=f"chi_{n}", law="exponential", exponent=Bg if n == "b" else Bg / B)
    return laws
