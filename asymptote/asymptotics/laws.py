r"""Leading depth laws of the resnet mean-field quantities, for every classified activation.

The recurrences are those of :mod:`asymptote.recurrences` (``rrn``, ``frn``; [YS17, Sec. 3
and App. B]); the activation enters only through its large-variance behaviour
(:func:`asymptote.asymptotics.constants.classify`: tails, exact homogeneity, parity, tail
mean :math:`m_1`). :math:`P` below is the per-layer growth of :math:`p`; the ``rrn`` with an
odd :math:`\phi` is the ``frn`` with :math:`\sigma_v = 1, \sigma_a = 0` (its mean term
:math:`2m\,\mathcal{M}\phi` vanishes) [YS17, Lemma B.1.1].

**Degenerate branch** (:math:`\sigma_w = 0`, or ``frn`` with :math:`\sigma_v = 0`): the
branch no longer feeds the input forward (:math:`\sigma_w = 0`: :math:`q \equiv
\sigma_b^2`; :math:`\sigma_v = 0`: :math:`p^l = p + \sigma_a^2`), and because
:math:`\mathcal{W}\phi(q, q, q) = \mathcal{V}\phi(q)` the increments of :math:`p` and
:math:`\gamma` are equal, so :math:`p - \gamma` is conserved and
:math:`1 - e^l = (p^0 - \gamma^0)/p^l` *exactly*; :math:`p` grows linearly
(:math:`P = \sigma_v^2\mathcal{V}\phi(\sigma_b^2) + \sigma_a^2`, resp.
:math:`\mathcal{V}\phi(\sigma_b^2)` in the ``rrn``) or quadratically (``rrn`` with
:math:`\mu_0 = \mathcal{M}\phi(\sigma_b^2) \ne 0`: :math:`m^l = m^0 + \mu_0 l`), and
:math:`\chi^{l-1}/\chi^l = 1`. This is [YS17, Thm. B.1.1]'s :math:`\sigma_w = 0` case
(tanh RRN: :math:`q = \sigma_b^2`, :math:`1 - e \sim l^{-1}`).

**Bounded tails** (tanh, erf, hard tanh, sigmoid, step; [YS17, Sec. 5.1, Thm. B.1.1-B.1.2]):
:math:`p \sim P l`, :math:`P = \sigma_v^2 v_1 + \sigma_a^2`; :math:`e \to e_*`,
:math:`\rho J(e_*) + 1 - \rho = e_*`, :math:`\rho = \sigma_v^2 v_1/P`, at the rate
:math:`l^{-\mu}`, :math:`\mu = 1 - \rho J'(e_*)`, provided :math:`\mu` is below the exponent
:math:`\omega` of the forcing by the corrections (:math:`\omega = 1/2` from
:math:`\mathcal{V}\phi(q) - v_1 = O(q^{-1/2})` for smooth :math:`\phi`, :math:`1` from
:math:`\sigma_b` for the exact step); :math:`\log\chi^0/\chi^l \sim C\sqrt l`,
:math:`C = 2\sigma_v^2\sigma_w K/\sqrt P` [YS17, Thm. B.1.2]; a jump (step) makes
:math:`\mathcal{V}\phi'` infinite.

**Power tails of degree** :math:`k` [YS17, Sec. 5.2, Thm. B.2.1]: :math:`0 < k < 1`
(exact alpha-ReLU): :math:`p \sim ((1-k)Kl)^{1/(1-k)}`, :math:`\mu = (1 - J'(e_*))/(1-k)`
(or the forcing :math:`k/(1-k)` of :math:`\sigma_a`), :math:`\chi^0/\chi^l \sim l^R`,
:math:`R = d_1/((1-k)v_1)`; :math:`k = 1` (ReLU, leaky ReLU, abs, and *asymptotically*
GELU, SiLU, softplus, whose differences from :math:`\phi_\infty` are integrable, so their
transforms differ by :math:`O(q^{-1/2})` relative, exponentially small in depth):
:math:`p \sim c B^l`, :math:`B = 1 + \sigma_v^2\sigma_w^2 v_1`,
:math:`1 - e \sim \frac{4B^2}{A^2(B-1)^2} l^{-2}` with :math:`J(c) - c \sim A(1-c)^{3/2}`,
:math:`A = \frac{(a_+ + a_-)^2}{a_+^2 + a_-^2}\frac{2\sqrt2}{3\pi}` ([CS09]: the
:math:`|x|` part of :math:`\phi_\infty` carries the non-analytic term);
:math:`k > 1` (alpha-ReLU, :math:`\alpha > 1`): :math:`\log p^l \approx k\log p^{l-1}`, so
:math:`\log\log p \sim l\log k` (*doubly exponential*; there is no finite-depth blow-up of
the discrete map), and :math:`e` follows the feedforward map :math:`e \mapsto J(e)` to its
stable fixed point at the rate :math:`J'(e_*)^l`.

**Periodic** :math:`\phi` (sin): the Gaussian averages reach the period averages
exponentially fast, :math:`J(c) \to \langle\phi\rangle^2/\langle\phi^2\rangle` for
:math:`|c| < 1`, so :math:`p \sim P l`, :math:`e_* = \rho J + 1 - \rho`,
:math:`|e - e_*| \sim l^{-1}` (coefficient from the whole history),
:math:`\chi^0/\chi^l \sim B_g^l`, :math:`B_g = 1 + \sigma_v^2\sigma_w^2\langle\phi'^2\rangle`.

**Reduced resnet, non-odd** :math:`\phi` **with tail mean** :math:`m_1 \ne 0` (the mean
term of :mod:`asymptote.recurrences`, not in [YS17], which assumes odd :math:`\phi`):
:math:`dm/dl = m_1\sigma_w^k p^{k/2}`, :math:`p \approx m^2`:
:math:`p \sim ((1-k) m_1\sigma_w^k l)^{2/(1-k)}` for :math:`k < 1`. For :math:`0 < k < 1`
the squared distance :math:`s` converges, :math:`1 - e \sim l^{-2/(1-k)}`. For :math:`k = 0`
(step, sigmoid) :math:`\mathcal{V}\phi - \mathcal{W}\phi \approx B^2\tfrac{2}{\pi}
\sqrt{2\delta}` with :math:`\delta = s/(2m_1^2l^2)` gives :math:`ds/dl =
\tfrac{4B^2}{\pi|m_1|}\sqrt s/l`, so :math:`s \sim (\tfrac{2B^2}{\pi m_1})^2\log^2 l` and
:math:`1 - e \sim \tfrac{s}{2m_1^2 l^2}` (a :math:`\log^2 l` factor, ``log_power = 2``);
:math:`\chi^0/\chi^l \sim l^{\sigma_w K/|m_1|}` for smooth bounded :math:`\phi`.
:math:`k = 1`: exponential with the base :math:`B = 1 + v_1\sigma_w^2 + 2m_1\sigma_w r_*`,
:math:`r_*` the positive root of :math:`r^2(1 + v_1\sigma_w^2 + 2m_1\sigma_w r) =
(r + m_1\sigma_w)^2`.

Parameter gradients :math:`\chi_\theta^1/\chi_\theta^l` (first over last layer of a
depth-:math:`l` net) are :math:`\chi^1/\chi^l` times the ratio of the multipliers
:math:`\chi_\theta/\chi` of :mod:`asymptote.recurrences`; their laws follow by multiplying
the growth of :math:`p`, :math:`\mathcal{V}\phi(q)` and :math:`\mathcal{V}\phi'(q)`
(:func:`_multiplier_growth`), never from a per-parameter table.

Where none of these derivations applies, every law is ``'unknown'`` and ``note`` says
exactly why; a law is never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy

from .._precision import workdps
from .._validate import architecture_sigmas, to_exact
from ..activations import BoundActivation, as_activation
from ..recurrences import recurrence
from ..recurrences.symbols import Vdphi, Vphi, p, q, sigma
from ..transforms import transform
from .constants import ActivationClass, classify, correction_order
from .kernels import fixed_point_gap, tail_kernel

__all__ = ["Law", "LAW_KINDS", "leading_laws"]

LAW_KINDS = (
    "power",
    "exponential",
    "stretched_exponential",
    "doubly_exponential",
    "fixed_point_power",
    "fixed_point_exponential",
    "constant",
    "divergent",
    "zero",
    "unknown",
)

E_STAR = sympy.Symbol("e_star", positive=True)
GAP_STAR = sympy.Symbol("one_minus_e_star", positive=True)
R_STAR = sympy.Symbol("r_star", positive=True)
JD_STAR = sympy.Symbol("Jprime_star")


@dataclass(frozen=True)
class Law:
    r"""The leading law of one quantity in depth :math:`l`.

    ``law``: one of :data:`LAW_KINDS`. ``exponent``: power-law exponent (``power``:
    :math:`y \sim l^{\text{exponent}}`; ``fixed_point_power``: :math:`|y - y_*| \sim
    l^{-\text{exponent}}`), base of ``exponential``/``fixed_point_exponential``, coefficient
    :math:`C` of ``stretched_exponential`` (:math:`\log y \sim C\sqrt l`), base :math:`k` of
    ``doubly_exponential`` (:math:`\log\log y \sim l\log k`), 0 for ``constant``.
    ``log_power``: the power of a :math:`\log l` factor (:math:`y \sim l^{a}(\log l)^{b}`).
    ``limit``: :math:`y_*` of fixed-point laws. ``coefficient``: leading coefficient where
    derived. ``corrections``: exponents :math:`\omega` of the relative next-order terms
    :math:`l^{-\omega}` used by the exponent fits; ``log_corrections``: those that carry a
    :math:`\log l` factor, :math:`l^{-\omega}\log l` (an activation approaching its limits like
    :math:`1/|x|`, e.g. softsign). ``zero``: the quantity is identically 0;
    ``unknown``/``divergent``: ``note`` says why.
    """

    quantity: str
    law: str
    exponent: sympy.Expr | None = None
    limit: sympy.Expr | None = None
    coefficient: sympy.Expr | None = None
    corrections: tuple[float, ...] = ()
    log_corrections: tuple[float, ...] = ()
    note: str = ""
    derivation: tuple[str, ...] = ()
    numbers: dict[sympy.Symbol, Any] = field(default_factory=dict)
    log_power: sympy.Expr = sympy.Integer(0)

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


@dataclass(frozen=True)
class _Growth:
    r"""Depth growth :math:`c\,\text{base}^l\,l^{\text{power}}` of a positive quantity."""

    base: sympy.Expr = sympy.Integer(1)
    power: sympy.Expr = sympy.Integer(0)

    def __mul__(self, other: _Growth) -> _Growth:
        return _Growth(sympy.simplify(self.base * other.base), sympy.simplify(self.power + other.power))

    def __pow__(self, k: sympy.Expr) -> _Growth:
        return _Growth(sympy.simplify(self.base**k), sympy.simplify(self.power * k))


def _ode_power_exponent(k: sympy.Expr, K: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
    r"""Exponent and coefficient of the continuum solution of :math:`dp/dl = K p^k`,
    :math:`0 \le k < 1`: :math:`p \sim ((1-k)Kl)^{1/(1-k)}` (checked against SymPy's
    ``dsolve`` at :math:`k = 1/2`) [YS17, Thm. B.2.1]."""
    f = sympy.Function("p")
    l_sym = sympy.Symbol("l", positive=True)
    KK = sympy.Symbol("K", positive=True)
    half = sympy.Rational(1, 2)
    sol = sympy.dsolve(sympy.Eq(f(l_sym).diff(l_sym), KK * f(l_sym) ** half), f(l_sym))
    sols = sol if isinstance(sol, list) else [sol]
    expected = ((1 - half) * KK * l_sym) ** (1 / (1 - half))
    if not any(sympy.simplify(sympy.expand(s.rhs.subs("C1", 0)) - sympy.expand(expected)) == 0
               for s in sols):
        raise AssertionError("continuum solution disagrees with the power-law ansatz")
    return 1 / (1 - k), ((1 - k) * K) ** (1 / (1 - k))


class _Builder:
    """Collects the laws of one call (all share ``numbers``)."""

    def __init__(self, params: list[str], numbers: dict[sympy.Symbol, Any]) -> None:
        self.params = params
        self.numbers = numbers
        self.laws: dict[str, Law] = {}

    def put(self, **kw: Any) -> None:
        kw.setdefault("numbers", self.numbers)
        self.laws[kw["quantity"]] = Law(**kw)

    def num(self, expr: Any, dps: int = 30) -> mpmath.mpf:
        with mpmath.workdps(dps + 10):
            return mpmath.mpf(str(sympy.N(sympy.sympify(expr).subs(self.numbers), dps + 10)))

    def unknown(self, note: str, quantities: tuple[str, ...] | None = None) -> dict[str, Law]:
        names = quantities or ("p", "q", "e", "s", "chi", *(f"chi_{n}" for n in self.params))
        for qn in names:
            self.put(quantity=qn, law="unknown", note=note)
        return self.laws


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
        Unknown architecture, missing or superfluous ``sigma_v``/``sigma_a``, negative
        standard deviation.
    """
    act = as_activation(activation)
    rec = recurrence(arch)
    given = architecture_sigmas(
        arch, sigma_w=sigma_w, sigma_b=sigma_b, sigma_v=sigma_v, sigma_a=sigma_a
    )
    numbers: dict[sympy.Symbol, Any] = {}
    for name, value in given.items():
        # exact, never through SymPy's parser (1.3 -> 13/10)
        exact = to_exact(value, name)
        if exact < 0:
            raise ValueError(f"{name} must be >= 0, got {value!r}")
        numbers[sigma(name.removeprefix("sigma_"))] = exact
    b = _Builder(sorted(rec.parameter_gradients), numbers)
    form = _law_form(arch)
    if form is None:
        return b.unknown(
            f"the depth laws are derived for recurrences of the form of "
            f"{', '.join(repr(n) for n in _LAW_FORMS)}; the recurrence of {arch!r} is none of "
            f"them (asymptote.recurrences.recurrence({arch!r})), so no law is claimed for it"
        )
    arch = form
    if arch == "feedforward":
        return b.unknown("feedforward nets converge exponentially to their fixed point; see "
                         "asymptote.mean_field (chi_1, xi_q, xi_c) for the rates")
    sw_v = numbers[sigma("w")]
    if sw_v == 0 or (arch == "frn" and numbers[sigma("v")] == 0):
        return _degenerate(b, arch, act, dps)
    cls = classify(act)
    numbers.update(dict(cls.values))
    if cls.kind == "other":
        return b.unknown(f"no large-variance theory for {act!r}: {cls.reason}")
    if arch == "rrn" and cls.parity != "odd":
        return _rrn_with_mean(b, act, cls, dps)
    return _branch_variance(b, arch, act, cls, dps)


#: the catalogued recurrences the laws below are written for
_LAW_FORMS = ("feedforward", "rrn", "frn")


def _law_form(arch: str) -> str | None:
    """The entry of :data:`_LAW_FORMS` whose derived recurrence ``arch``'s equals (same
    pre-activation, state and backward maps, same parameters), or ``None``: a new
    architecture gets a law only where one of these derivations applies to it."""
    rec = recurrence(arch)
    for name in _LAW_FORMS:
        ref = recurrence(name)
        if set(rec.parameter_gradients) != set(ref.parameter_gradients):
            continue
        if set(rec.pre) != set(ref.pre) or set(rec.state) != set(ref.state):
            continue
        pairs = [(rec.pre[k], ref.pre[k]) for k in ref.pre]
        pairs += [(rec.state[k], ref.state[k]) for k in ref.state]
        pairs.append((rec.gradient_factor, ref.gradient_factor))
        if all(sympy.expand(a - b) == 0 for a, b in pairs):
            return name
    return None


# ---------------------------------------------------------------- parameter gradients
def _multiplier_growth(expr: sympy.Expr, growth_p: _Growth, growth_v: _Growth,
                       growth_vd: _Growth) -> _Growth:
    """Growth of a multiplier of :mod:`asymptote.recurrences` (a product of ``p``,
    ``Vphi(q)``, ``Vdphi(q)`` and constants)."""
    out = _Growth()
    for factor, power in sympy.Mul(expr).as_powers_dict().items():
        if factor == p:
            out = out * growth_p**power
        elif factor == Vphi(q):
            out = out * growth_v**power
        elif factor == Vdphi(q):
            out = out * growth_vd**power
        elif factor.free_symbols - {s for s in factor.free_symbols if s.name.startswith("sigma_")}:
            raise AssertionError(f"unexpected factor {factor} in a gradient multiplier")
    return out


def _parameter_laws(b: _Builder, arch: str, chi: Law, growth_p: _Growth, growth_v: _Growth,
                    growth_vd: _Growth) -> None:
    r""":math:`\chi_\theta^1/\chi_\theta^l = (\chi^1/\chi^l)\,(M_\theta^1/M_\theta^l)`."""
    rec = recurrence(arch)
    for n in b.params:
        name = f"chi_{n}"
        if chi.law in ("divergent", "unknown", "zero"):
            b.put(quantity=name, law=chi.law, note=chi.note)
            continue
        g = _multiplier_growth(rec.parameter_gradients[n], growth_p, growth_v, growth_vd)
        if chi.law == "stretched_exponential":
            b.put(quantity=name, law="stretched_exponential", exponent=chi.exponent,
                  corrections=chi.corrections,
                  note="same leading constant as chi; the multiplier adds a power prefactor")
            continue
        base_chi = chi.exponent if chi.law == "exponential" else sympy.Integer(1)
        power_chi = chi.exponent if chi.law == "power" else sympy.Integer(0)
        base = sympy.simplify(base_chi / g.base)
        power = sympy.simplify(power_chi - g.power)
        if sympy.simplify(base.subs(b.numbers) - 1) != 0:
            b.put(quantity=name, law="exponential", exponent=base)
        elif power.subs(b.numbers) == 0:
            b.put(quantity=name, law="constant", exponent=sympy.Integer(0), corrections=(1.0,),
                  note="the growth of chi is cancelled by that of the multiplier")
        else:
            b.put(quantity=name, law="power", exponent=power, corrections=(1.0,))


# ---------------------------------------------------------------- degenerate branch
def _degenerate(b: _Builder, arch: str, act: BoundActivation, dps: int) -> dict[str, Law]:
    r""":math:`\sigma_w = 0` (or ``frn`` with :math:`\sigma_v = 0`): see module docstring."""
    sb2 = b.numbers[sigma("b")] ** 2
    note = ("the branch does not see the input: q = sigma_b^2 for every layer, p - gamma is "
            "conserved (W(q, q, q) = V(q)), so 1 - e = (p0 - gamma0)/p exactly [YS17, Thm. B.1.1]")
    with workdps(dps + 5):
        V0 = transform("V", act, sympy.Rational(sb2), dps=dps + 5) if sb2 > 0 else None
    if V0 is None:  # q = 0: phi(0)^2 exactly
        phi0 = sympy.piecewise_fold(act.spec.phi.subs(act.sympy_subs).subs(sympy.Symbol("x", real=True), 0))
        V0v = sympy.nsimplify(phi0**2)
        mu0 = sympy.nsimplify(phi0)
    else:
        V0v = sympy.Float(mpmath.nstr(V0, dps + 3), dps + 3)
        from ..recurrences.bind import mean_transform

        mu0 = sympy.Integer(0) if act.parity == "odd" or arch == "frn" else sympy.Float(
            mpmath.nstr(mean_transform(act, sympy.Rational(sb2), dps=dps + 5), dps + 3), dps + 3)
    if abs(mu0) < sympy.Float(10) ** (-dps):
        mu0 = sympy.Integer(0)
    if abs(V0v) < sympy.Float(10) ** (-dps):
        V0v = sympy.Integer(0)
    if arch == "frn":
        P = b.numbers[sigma("v")] ** 2 * V0v + b.numbers[sigma("a")] ** 2
        grow = (sympy.Integer(1), P) if P != 0 else (sympy.Integer(0), sympy.Integer(0))
    elif mu0 != 0:
        grow = (sympy.Integer(2), mu0**2)
    else:
        grow = (sympy.Integer(1), V0v) if V0v != 0 else (sympy.Integer(0), sympy.Integer(0))
    q_moves = b.numbers[sigma("w")] != 0  # frn with sigma_v = 0: q = sigma_w^2 p + sigma_b^2
    if not q_moves:
        b.put(quantity="q", law="constant", exponent=sympy.Integer(0), limit=sympy.sympify(sb2),
              note="q = sigma_w^2 p + sigma_b^2 = sigma_b^2")
    elif grow[0] == 0:
        b.put(quantity="q", law="constant", exponent=sympy.Integer(0), note="p is constant")
    else:
        b.put(quantity="q", law="power", exponent=grow[0], coefficient=sigma("w") ** 2 * grow[1],
              corrections=(1.0, 2.0, 3.0), note="q = sigma_w^2 p + sigma_b^2, p ~ sigma_a^2 l")
    if grow[0] == 0:
        b.put(quantity="p", law="constant", exponent=sympy.Integer(0), note=note)
        b.put(quantity="e", law="constant", exponent=sympy.Integer(0), note=note)
    else:
        # p = p0 + P l (+ mu0 m0 l terms): 1/(l + c) expands in integer powers of 1/l
        series = (1.0, 2.0, 3.0)
        b.put(quantity="p", law="power", exponent=grow[0], coefficient=grow[1],
              corrections=series, note=note)
        b.put(quantity="e", law="fixed_point_power", exponent=grow[0], limit=sympy.Integer(1),
              corrections=series, note=note)
    b.put(quantity="s", law="constant", exponent=sympy.Integer(0), corrections=(1.0,),
          note="s = 2 (p - gamma) is conserved")
    if act.undefined_reason("Vd") is not None and (sb2 == 0 or act.kinks):
        for qn in ("chi", *(f"chi_{n}" for n in b.params)):
            b.put(quantity=qn, law="divergent", note=str(act.undefined_reason("Vd")))
        return b.laws
    chi = Law(quantity="chi", law="constant", exponent=sympy.Integer(0), numbers=b.numbers,
              note="chi^{l-1}/chi^l = 1 + sigma_v^2 sigma_w^2 V phi'(q) = 1")
    b.laws["chi"] = chi
    # multipliers: constants except p (growth l^grow); a multiplier that vanishes is 0
    growth_p = _Growth(sympy.Integer(1), grow[0])
    rec = recurrence(arch)
    vd0: float | None
    if sb2 > 0:
        vd0 = float(transform("Vd", act, float(sb2)))
    else:
        vd0 = None if any(k == 0 for k in act.kinks) else float(
            sympy.N(sympy.diff(act.spec.phi.subs(act.sympy_subs), sympy.Symbol("x", real=True))
                    .subs(sympy.Symbol("x", real=True), 0)) ** 2)
    for n in b.params:
        expr = rec.parameter_gradients[n].subs(b.numbers)
        if expr == 0 or (expr.has(Vphi(q)) and V0v == 0) or (expr.has(Vdphi(q)) and vd0 == 0):
            b.put(quantity=f"chi_{n}", law="zero", note="the multiplier vanishes identically")
            continue
        if expr.has(Vdphi(q)) and vd0 is None:
            b.put(quantity=f"chi_{n}", law="unknown",
                  note="q = 0 sits on the kink of phi, where phi' is not defined")
            continue
        growth_v = _Growth()
        if q_moves and expr.has(Vphi(q)):  # sigma_v = 0, sigma_w > 0: V phi(q) follows q
            cls = classify(act)
            if cls.kind not in ("power", "bounded", "periodic"):
                b.put(quantity=f"chi_{n}", law="unknown", note=cls.reason)
                continue
            growth_v = growth_p ** (cls.subs(cls.degree) if cls.kind == "power" else 0)
        g = _multiplier_growth(rec.parameter_gradients[n], growth_p, growth_v, _Growth())
        if g.power == 0:
            b.put(quantity=f"chi_{n}", law="constant", exponent=sympy.Integer(0),
                  corrections=(1.0,))
        else:
            b.put(quantity=f"chi_{n}", law="power", exponent=-g.power, corrections=(1.0,))
    return b.laws


# ---------------------------------------------------------------- variance-driven branch
def _fixed_point(b: _Builder, act: BoundActivation, cls: ActivationClass, rho: Any,
                 dps: int) -> tuple[mpmath.mpf, mpmath.mpf] | None:
    """(1 - e_*, J'(e_*)) at ``dps`` digits, stored in ``b.numbers``; ``None`` if none."""
    kernel = tail_kernel(act, cls, dps)
    if kernel is None:
        return None
    with workdps(dps + 10):
        eps = fixed_point_gap(kernel, b.num(rho, dps + 10), dps + 5)
        if eps is None:
            return None
        jd = kernel.slope(eps)
        b.numbers[GAP_STAR] = sympy.Float(mpmath.nstr(eps, dps + 5), dps + 5)
        b.numbers[E_STAR] = sympy.Float(mpmath.nstr(1 - eps, dps + 5 + max(0, int(-mpmath.log10(eps)))),
                                        dps + 5 + max(0, int(-mpmath.log10(eps))))
        b.numbers[JD_STAR] = sympy.Float(mpmath.nstr(jd, dps + 5), dps + 5)
        return eps, jd


def _branch_variance(b: _Builder, arch: str, act: BoundActivation, cls: ActivationClass,
                     dps: int) -> dict[str, Law]:
    """``frn``, or ``rrn`` with odd phi (sigma_v = 1, sigma_a = 0)."""
    sw = sigma("w")
    sv, sa = (sigma("v"), sigma("a")) if arch == "frn" else (sympy.Integer(1), sympy.Integer(0))
    sa_zero = arch != "frn" or b.numbers[sigma("a")] == 0
    if cls.kind in ("bounded", "periodic"):
        return _linear_growth(b, arch, act, cls, sw, sv, sa, dps)
    k: Any = cls.degree
    kval = sympy.nsimplify(cls.subs(k))
    v1: Any = cls.v1
    d1: Any = cls.d1
    if kval > 1:
        return _doubly_exponential(b, arch, act, cls, kval, dps)
    if kval < 1 and not cls.exact:
        return b.unknown(f"tails of degree {kval} in (0, 1) with corrections phi - phi_inf: "
                         "their forcing of e is not derived")
    if kval < 1:
        K = sv**2 * v1 * sw ** (2 * k)
        exponent, coefficient = _ode_power_exponent(k, K)
        corr = (1.0, float(kval / (1 - kval)))
        b.put(quantity="p", law="power", exponent=exponent, coefficient=coefficient,
              corrections=corr, derivation=(
                  rf"\mathcal{{V}}\phi(q) = {sympy.latex(v1)}\, q^{{{sympy.latex(k)}}}",
                  rf"\frac{{dp}}{{dl}} = {sympy.latex(K)}\, p^{{{sympy.latex(k)}}}",
                  rf"p \sim {sympy.latex(coefficient)}\, l^{{{sympy.latex(exponent)}}}",
              ))
        b.put(quantity="q", law="power", exponent=exponent, coefficient=sw**2 * coefficient,
              corrections=corr)
        fp = _fixed_point(b, act, cls, sympy.Integer(1), dps)
        if fp is None:
            b.put(quantity="e", law="unknown", note="J has no fixed point below 1")
            b.put(quantity="s", law="unknown", note="J has no fixed point below 1")
        else:
            mu = (1 - JD_STAR) / (1 - k)
            note = "J(e_*) = e_*, J the normalized kernel of phi"
            law_exp: Any = mu
            gap = 0.0
            if not sa_zero:
                forcing = k / (1 - k)
                mu_v = sympy.N(mu.subs(b.numbers))
                f_v = sympy.N(forcing.subs(b.numbers))
                if f_v < mu_v:
                    law_exp = forcing
                    gap = float(mu_v - f_v)
                    note += ("; sigma_a != 0 forces e - e_* ~ l^(-alpha/(1-alpha)), slower "
                             "than the sigma_a = 0 rate mu (discrepancy with YS17's "
                             "variance-independent rate)")
            mu_f = float(sympy.N(law_exp.subs(b.numbers)))
            e_corr = (mu_f, 2 * mu_f, 1.0) if law_exp is mu else (gap, mu_f, 2 * mu_f, 1.0)
            b.put(quantity="e", law="fixed_point_power", exponent=law_exp, limit=E_STAR,
                  corrections=e_corr, note=note, derivation=(
                      r"l\,\frac{de}{dl} = \frac{J(e) - e}{1-\alpha}",
                      r"e - e_* \propto l^{-(1 - J'(e_*))/(1-\alpha)}",
                  ))
            b.put(quantity="s", law="power", exponent=exponent,
                  coefficient=2 * coefficient * GAP_STAR, corrections=(*corr, mu_f, 2 * mu_f))
        if d1 == sympy.oo or kval <= sympy.Rational(1, 2):
            return _all_divergent(b, "E[phi'(z)^2] diverges for alpha <= 1/2: the gradient is infinite")
        R = sympy.factor(sympy.gammasimp(sympy.expand_func(d1 / ((1 - k) * v1))))
        chi = Law(quantity="chi", law="power", exponent=R, corrections=(1.0,), numbers=b.numbers,
                  derivation=(rf"\log\frac{{\chi^0}}{{\chi^l}} \approx \sum_k "
                              rf"\frac{{d_1}}{{(1-\alpha) v_1 k}} = {sympy.latex(R)} \log l",))
        b.laws["chi"] = chi
        gp = _Growth(sympy.Integer(1), exponent)
        _parameter_laws(b, arch, chi, gp, gp**k, gp ** (k - 1))
        return b.laws
    # degree 1 [YS17, Sec. 5.2]
    B = 1 + sv**2 * sw**2 * v1
    note = "" if cls.exact else (
        "phi - phi_inf is integrable, so the transforms differ from phi_inf's by O(q^-1/2) "
        "relative: exponentially small in depth; the laws are phi_inf's")
    b.put(quantity="p", law="exponential", exponent=B, note=note,
          derivation=(rf"p^l = B\,p^{{l-1}} + c_0 + O(p^{{1/2}}),\ B = {sympy.latex(B)}",))
    b.put(quantity="q", law="exponential", exponent=B, note=note)
    ap: Any = cls.tail_pos
    an: Any = cls.tail_neg
    A = sympy.simplify((ap + an) ** 2 / (ap**2 + an**2) * 2 * sympy.sqrt(2) / (3 * sympy.pi))
    if sympy.simplify(A.subs(b.numbers)) == 0:
        if not cls.exact:
            b.put(quantity="e", law="unknown", note="linear tail: the corrections decide e")
            b.put(quantity="s", law="unknown", note="linear tail: the corrections decide e")
        else:
            b.put(quantity="e", law="constant", exponent=sympy.Integer(0),
                  note="linear network: the cosine distance converges geometrically to a "
                       "limit set by the inputs")
            b.put(quantity="s", law="exponential", exponent=B)
    else:
        coefficient = 4 * B**2 / (A**2 * (B - 1) ** 2)
        b.put(quantity="e", law="fixed_point_power", exponent=sympy.Integer(2),
              limit=sympy.Integer(1), coefficient=coefficient, corrections=(0.5, 1.0),
              note="1 - e ~ coefficient * l^-2, A the (1-c)^(3/2) coefficient of J(c) - c",
              derivation=(r"u = 1 - e:\ u^l = u - \frac{B-1}{B} A u^{3/2} + \dots",
                          r"u^{-1/2} \sim \frac{(B-1)A}{2B}\, l"))
        b.put(quantity="s", law="exponential", exponent=B, note="s ~ p (1 - e) ~ B^l l^-2")
    Bg = sympy.simplify(1 + sv**2 * sw**2 * d1)
    chi = Law(quantity="chi", law="exponential", exponent=Bg, numbers=b.numbers)
    b.laws["chi"] = chi
    gp = _Growth(B)
    _parameter_laws(b, arch, chi, gp, gp, _Growth())
    return b.laws


def _all_divergent(b: _Builder, note: str) -> dict[str, Law]:
    for qn in ("chi", *(f"chi_{n}" for n in b.params)):
        b.put(quantity=qn, law="divergent", note=note)
    return b.laws


def _linear_growth(b: _Builder, arch: str, act: BoundActivation, cls: ActivationClass,
                   sw: Any, sv: Any, sa: Any, dps: int) -> dict[str, Law]:
    """Bounded tails and periodic phi: p ~ P l."""
    v1: Any = cls.v1
    P = sv**2 * v1 + sa**2
    rho = sv**2 * v1 / P
    # order of the corrections v1 - V phi(q) ~ q^-w (log q): set by how fast phi reaches its
    # limits (tanh: w = 1/2; softsign, like 1/|x|: q^-1/2 log q); unknown order: none claimed
    w_c, log_c = (sympy.Rational(1, 2), False)
    if cls.kind == "bounded" and not cls.exact:
        w_c, log_c = correction_order(cls)
    w_f = 0.5 if w_c is None else float(w_c)
    corr_p: tuple[float, ...] = () if w_c is None else (w_f, 1.0)
    logs: tuple[float, ...] = (w_f,) if log_c else ()
    approach_note = "" if w_c is not None else (
        "SymPy cannot tell how fast phi approaches its limits: the corrections are not derived")
    b.put(quantity="p", law="power", exponent=sympy.Integer(1), coefficient=P,
          corrections=corr_p, log_corrections=logs, note=approach_note, derivation=(
              r"\mathcal{V}\phi(q) \to v_1 \text{ as } q \to \infty",
              rf"p^l - p^{{l-1}} \to {sympy.latex(P)} \Rightarrow p^l \sim {sympy.latex(P)}\, l",
          ))
    b.put(quantity="q", law="power", exponent=sympy.Integer(1), coefficient=sw**2 * P,
          corrections=corr_p, log_corrections=logs, note=approach_note)
    if cls.kind == "periodic":
        m1: Any = cls.m1
        Jinf = sympy.simplify(m1**2 / v1)
        estar = sympy.simplify(rho * Jinf + 1 - rho)
        b.put(quantity="e", law="fixed_point_power", exponent=sympy.Integer(1), limit=estar,
              corrections=(1.0, 2.0), note=(
                  "periodic phi: J(c) -> <phi>^2/<phi^2> for |c| < 1 exponentially fast in q, "
                  "so mu = 1; the coefficient of l^-1 is set by the whole history"))
        b.put(quantity="s", law="power", exponent=sympy.Integer(1),
              coefficient=2 * P * (1 - estar), corrections=(1.0,))
        Bg = sympy.simplify(1 + sv**2 * sw**2 * cls.d1)
        chi = Law(quantity="chi", law="exponential", exponent=Bg, numbers=b.numbers,
                  note="V phi'(q) -> <phi'^2> exponentially fast in q")
        b.laws["chi"] = chi
        gp = _Growth(sympy.Integer(1), sympy.Integer(1))
        _parameter_laws(b, arch, chi, gp, _Growth(), _Growth())
        return b.laws
    fp = _fixed_point(b, act, cls, rho, dps)
    omega = sympy.Integer(1) if cls.exact else w_c
    lp: Any = cls.tail_pos
    ln: Any = cls.tail_neg
    w = sympy.simplify((lp - ln) ** 2 / ((lp + ln) ** 2 + (lp - ln) ** 2))
    centred = sympy.simplify((rho * w - 1).subs(b.numbers)) == 0
    if centred:  # G(1) = w, so e_* = 0 exactly and J'(0) = w 2/pi (tanh RRN: 1 - 2/pi)
        b.numbers[E_STAR], b.numbers[GAP_STAR] = sympy.Integer(0), sympy.Integer(1)
    if fp is None:
        b.put(quantity="e", law="unknown", note="constant tail: J = 1 has no fixed point below 1")
        b.put(quantity="s", law="unknown", note="constant tail")
    elif omega is None:
        b.put(quantity="e", law="unknown", note=approach_note)
        b.put(quantity="s", law="unknown", note=approach_note)
    else:
        mu = 1 - rho * (w * 2 / sympy.pi if centred else JD_STAR)
        mu_v = float(sympy.N(mu.subs(b.numbers)))
        # compare at full precision: mu -> 1/2 from below as rho -> 0 (tanh-like tails)
        if sympy.N(mu.subs(b.numbers) - omega, dps) >= 0:
            b.put(quantity="e", law="unknown", note=(
                f"the linearized rate mu = {mu_v:.6g} is not below the exponent {omega} of the "
                "forcing by the corrections of phi, whose coefficient is not derived"))
        else:
            b.put(quantity="e", law="fixed_point_power", exponent=sympy.simplify(mu),
                  limit=sympy.Integer(0) if centred else E_STAR,
                  corrections=(float(omega), mu_v, 2 * mu_v, 1.0), log_corrections=logs,
                  derivation=(r"\mathcal{W}\phi(q, cq) \to v_1 J(c)",
                              rf"l\,\frac{{de}}{{dl}} = {sympy.latex(rho)} J(e) + 1 - "
                              rf"{sympy.latex(rho)} - e"),
                  note="e_* solves rho J(e) + 1 - rho = e (solved in 1 - e)")
        b.put(quantity="s", law="power", exponent=sympy.Integer(1), coefficient=2 * P * GAP_STAR,
              corrections=(w_f, mu_v, 2 * mu_v, 1.0), log_corrections=logs)
    if act.undefined_reason("Vd") is not None or cls.slope_constant == sympy.oo:
        return _all_divergent(b, str(act.undefined_reason("Vd") or "phi jumps: E[phi'^2] = oo"))
    K: Any = cls.slope_constant
    C = sympy.simplify(2 * sv**2 * sw * K / sympy.sqrt(P))
    chi = Law(quantity="chi", law="stretched_exponential", exponent=C, corrections=(w_f, 1.0),
              log_corrections=logs, numbers=b.numbers, derivation=(
                  r"\mathcal{V}\phi'(q) \sim K q^{-1/2},\ K = \int\phi'^2/\sqrt{2\pi}",
                  rf"\log\frac{{\chi^0}}{{\chi^l}} \approx \sum_k \sigma_v^2\sigma_w^2 K "
                  rf"(\sigma_w^2 P k)^{{-1/2}} \sim {sympy.latex(C)}\sqrt{{l}}"))
    b.laws["chi"] = chi
    gp = _Growth(sympy.Integer(1), sympy.Integer(1))
    _parameter_laws(b, arch, chi, gp, _Growth(), _Growth(sympy.Integer(1), -sympy.Rational(1, 2)))
    return b.laws


def _doubly_exponential(b: _Builder, arch: str, act: BoundActivation, cls: ActivationClass,
                        k: Any, dps: int) -> dict[str, Law]:
    r"""Degree :math:`k > 1`: :math:`\log p^l = k\log p^{l-1} + O(1)`."""
    if not cls.exact:
        return b.unknown(f"tails of degree {k} > 1 with corrections: not derived")
    note = (f"log p^l = {k} log p^(l-1) + O(1) once the branch dominates: log log p ~ l log {k}"
            " (the discrete map has no finite-depth blow-up)")
    for qn in ("p", "q", "s"):
        b.put(quantity=qn, law="doubly_exponential", exponent=k, note=note)
    fp = _fixed_point(b, act, cls, sympy.Integer(1), dps)
    if fp is None:
        b.put(quantity="e", law="unknown", note="J has no fixed point below 1")
    else:
        b.put(quantity="e", law="fixed_point_exponential", exponent=JD_STAR, limit=E_STAR,
              note="p^(l-1)/p^l -> 0 doubly exponentially, so e^l = J(e^(l-1)) asymptotically: "
                   "the feedforward correlation map, rate J'(e_*)^l")
    if act.undefined_reason("Vd") is not None:
        return _all_divergent(b, str(act.undefined_reason("Vd")))
    b.put(quantity="chi", law="doubly_exponential", exponent=k,
          note="log(chi^0/chi^l) ~ sum (k-1) log q_j ~ C k^l")
    rec = recurrence(arch)
    for n in b.params:
        # log multiplier ~ e_m log q with e_m its power of q (p ~ q): leading C k^l (k - e_m)
        g = _multiplier_growth(rec.parameter_gradients[n], _Growth(sympy.Integer(1), sympy.Integer(1)),
                               _Growth(sympy.Integer(1), k), _Growth(sympy.Integer(1), k - 1))
        if sympy.simplify(k - g.power) == 0:
            b.put(quantity=f"chi_{n}", law="unknown", note=(
                "the doubly exponential growth of chi and of the multiplier cancel at leading "
                "order; the next order is not derived"))
        else:
            b.put(quantity=f"chi_{n}", law="doubly_exponential", exponent=k)
    return b.laws


# ---------------------------------------------------------------- reduced resnet, mean term
def _rrn_with_mean(b: _Builder, act: BoundActivation, cls: ActivationClass,
                   dps: int) -> dict[str, Law]:
    """``rrn`` with non-odd phi: the mean term 2 m M phi(q) of asymptote.recurrences."""
    sw = sigma("w")
    if cls.kind == "periodic":
        return b.unknown("periodic non-odd phi in the reduced resnet: the mean term "
                         "2 m M phi(q) with M phi(q) -> <phi> is not analysed")
    m1: Any = cls.m1
    v1: Any = cls.v1
    d1: Any = cls.d1
    k: Any = cls.degree
    kval = sympy.nsimplify(cls.subs(k))
    m1val = sympy.simplify(cls.subs(m1))
    if m1val == 0:
        return b.unknown("non-odd phi whose tail has zero mean: the decay of the mean term "
                         "M phi(q) is not analysed")
    if kval > 1:
        return _doubly_exponential(b, "rrn", act, cls, kval, dps)
    note = ("derived with the mean term 2 m Mphi(q) that YS17 drop for odd activations; "
            "YS17's reduced-resnet theory does not cover non-odd activations")
    if kval < 1:
        if kval > 0 and not cls.exact:
            return b.unknown(f"tails of degree {kval} in (0, 1) with corrections: not derived")
        exponent, coefficient = _ode_power_exponent(k, m1 * sw**k)  # dm/dl = m1 sw^k m^k
        exponent = sympy.simplify(2 * exponent)
        b.put(quantity="p", law="power", exponent=exponent, coefficient=coefficient**2,
              corrections=(1.0,), note=note, derivation=(
                  r"m^l - m^{l-1} = \mathcal{M}\phi(q) \sim m_1 \sigma_w^{k} p^{k/2},"
                  r"\quad p \approx m^2",
                  rf"p \sim m^2 \propto l^{{{sympy.latex(exponent)}}}"))
        b.put(quantity="q", law="power", exponent=exponent, corrections=(1.0,), note=note)
        if kval == 0:
            tp: Any = cls.tail_pos
            tn: Any = cls.tail_neg
            Bt = (tp - tn) / 2
            c_s = (2 * Bt**2 / (sympy.pi * sympy.Abs(m1))) ** 2
            b.put(quantity="s", law="power", exponent=sympy.Integer(0),
                  log_power=sympy.Integer(2), coefficient=c_s, note=(
                      "V - W ~ B^2 (2/pi) sqrt(2 delta), delta = s/(2 m1^2 l^2): "
                      "ds/dl = (4 B^2/(pi |m1|)) sqrt(s)/l, so s ~ (2B^2/(pi m1))^2 log^2 l"))
            b.put(quantity="e", law="fixed_point_power", exponent=sympy.Integer(2),
                  log_power=sympy.Integer(2), limit=sympy.Integer(1),
                  coefficient=c_s / (2 * m1**2), note="1 - e = s/(2p) ~ log^2 l / l^2")
        else:
            b.put(quantity="e", law="fixed_point_power", exponent=exponent,
                  limit=sympy.Integer(1), corrections=(1.0,),
                  note="s tends to a constant, so 1 - e = s/(2p) ~ l^-exponent")
            b.put(quantity="s", law="constant", exponent=sympy.Integer(0), corrections=(1.0,),
                  note="the increments of s are summable for 0 < k < 1")
        if act.undefined_reason("Vd") is not None or d1 == sympy.oo or (
            cls.kind == "bounded" and cls.slope_constant == sympy.oo
        ) or (kval > 0 and kval <= sympy.Rational(1, 2)):
            return _all_divergent(b, str(act.undefined_reason("Vd") or "E[phi'^2] diverges"))
        gp = _Growth(sympy.Integer(1), exponent)
        if kval == 0:
            R = sympy.simplify(sw * cls.slope_constant / sympy.Abs(m1))
            chi = Law(quantity="chi", law="power", exponent=R, corrections=(0.5, 1.0),
                      numbers=b.numbers, note=(
                          "sigma_w^2 V phi'(q) ~ sigma_w^2 K/(sigma_w |m1| l): log chi ~ R log l"))
            growth_vd = gp ** sympy.Rational(-1, 2)
        else:
            chi = Law(quantity="chi", law="constant", exponent=sympy.Integer(0),
                      corrections=(1.0,), numbers=b.numbers,
                      note="sigma_w^2 d1 q^(k-1) ~ l^-2 is summable")
            growth_vd = gp ** (k - 1)
        b.laws["chi"] = chi
        _parameter_laws(b, "rrn", chi, gp, gp**k, growth_vd)
        return b.laws
    # degree 1: coupled geometric growth of (m, sqrt p)
    beta = 1 + v1 * sw**2
    cc = m1 * sw
    r = sympy.Symbol("r", positive=True)
    cubic = sympy.expand(r**2 * (beta + 2 * cc * r) - (r + cc) ** 2)
    roots = [z for z in sympy.Poly(cubic.subs(b.numbers), r).nroots(n=dps)
             if abs(sympy.im(z)) < 1e-20 and sympy.re(z) > 0]
    if not roots:
        return b.unknown("the mean-ratio cubic has no positive root")
    b.numbers[R_STAR] = sympy.Float(max(sympy.re(z) for z in roots), dps)
    B = beta + 2 * cc * R_STAR
    if not cls.exact:
        note += ("; phi - phi_inf is integrable: corrections O(q^-1/2), exponentially small in "
                 "depth")
    b.put(quantity="p", law="exponential", exponent=B, note=note + f"; r_* root of {cubic} = 0",
          derivation=(r"r = m/\sqrt{p}:\ r^l = (r + m_1\sigma_w)/\sqrt{1 + v_1\sigma_w^2 + "
                      r"2 m_1 \sigma_w r}", rf"{sympy.latex(cubic)} = 0"))
    b.put(quantity="q", law="exponential", exponent=B)
    b.put(quantity="e", law="fixed_point_exponential", exponent=beta / B, limit=sympy.Integer(1),
          note="s grows like (1 + v1 sigma_w^2)^l, slower than p")
    b.put(quantity="s", law="exponential", exponent=beta)
    chi = Law(quantity="chi", law="exponential", exponent=1 + sw**2 * d1, numbers=b.numbers)
    b.laws["chi"] = chi
    gp = _Growth(B)
    _parameter_laws(b, "rrn", chi, gp, gp, _Growth())
    return b.laws


__all__ += ["E_STAR", "GAP_STAR", "JD_STAR", "R_STAR"]
