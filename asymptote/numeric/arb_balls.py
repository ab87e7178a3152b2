r"""Rigorous enclosures in Arb ball arithmetic (python-flint, optional).

A *ball* :math:`[m \pm r]` is a midpoint and a radius such that the exact value lies in
:math:`[m - r, m + r]`. Every operation of Arb (F. Johansson, *Arb: efficient
arbitrary-precision midpoint-radius interval arithmetic*, IEEE Trans. Comput. 66 (2017)
1281-1292) returns a ball containing every exact result for inputs in the input balls, so a
formula evaluated operation by operation in Arb is an *enclosure* of the formula. This module
holds the engines; which formulas are evaluated (the closed forms of the activations, the
maps of the recurrences) is decided by :mod:`asymptote.certify`.

Engines
-------
* :func:`arb_precision`: a context manager that sets python-flint's global working
  precision ``flint.ctx.prec`` and restores it on exit (the only place it is changed).
* :func:`compile_sympy`: a SymPy expression turned into a function of Arb (or Acb) balls,
  node by node, so the closed forms declared once as SymPy expressions are the single source
  of what is enclosed. Domain overhangs are cut (see the function).
* :func:`interval_newton`: a ball proven to contain the unique zero of a function on an
  interval, by the interval Newton operator (below), or a refusal.
* :func:`gaussian_expectation_ball`: :math:`E[f(\sqrt{q}\,z)]`, :math:`z \sim N(0, 1)`, by
  Arb's rigorous integration (``acb.integral``) over :math:`|z| \le L` plus a proven bound on
  the two tails.
* :class:`Ball`: the result type (midpoint and radius as exact :mod:`mpmath` numbers).

The interval Newton operator
----------------------------
For :math:`f` continuously differentiable on an interval :math:`X` with midpoint :math:`m`,
and :math:`F'(X)` an interval enclosing :math:`f'` on :math:`X` with :math:`0 \notin F'(X)`,

.. math::

    N(X) = m - \frac{f(m)}{F'(X)} .

By the mean-value theorem every zero :math:`x^*` of :math:`f` in :math:`X` satisfies
:math:`x^* = m - f(m)/f'(\xi) \in N(X)`. Hence (R. E. Moore, *Interval Analysis*,
Prentice-Hall 1966; R. E. Moore, R. B. Kearfott, M. J. Cloud, *Introduction to Interval
Analysis*, SIAM 2009, Sec. 8.1):

* :math:`N(X) \cap X = \emptyset` proves that :math:`f` has no zero in :math:`X`;
* :math:`N(X) \subset \operatorname{int} X` proves that :math:`f` has exactly one zero in
  :math:`X` (existence by the contraction argument of Moore's theorem, uniqueness because
  :math:`f'` does not vanish on :math:`X`: by Rolle's theorem two zeros would force
  :math:`0 \in F'(X)`);
* iterating :math:`X \leftarrow N(X) \cap X` keeps every zero and converges quadratically.

In one dimension this is the Krawczyk operator (R. Krawczyk, *Newton-Algorithmen zur
Bestimmung von Nullstellen mit Fehlerschranken*, Computing 4 (1969) 187-201) with the
preconditioner :math:`1/F'(X)` replaced by the exact interval division.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import sympy

from ..errors import ConvergenceError

__all__ = [
    "INSTALL_HINT",
    "Ball",
    "arb_from_fraction",
    "arb_precision",
    "bits_for_digits",
    "compile_sympy",
    "flint_module",
    "gaussian_expectation_ball",
    "has_flint",
    "interval_newton",
]

#: How to get the optional dependency (the ``certify`` extra of the package).
INSTALL_HINT = "pip install asymptote[certify]"

#: Bits carried beyond the requested digits on the first try (doubled on each retry).
GUARD_BITS = 32


def has_flint() -> bool:
    """Whether python-flint can be imported (never raises)."""
    try:
        import flint  # noqa: F401
    except ImportError:
        return False
    return True


def flint_module() -> Any:
    """The ``flint`` module, or an ``ImportError`` that says how to install it."""
    try:
        import flint
    except ImportError as exc:
        raise ImportError(
            f"certified ball-arithmetic results need python-flint, which is not installed: "
            f"{INSTALL_HINT}"
        ) from exc
    return flint


def bits_for_digits(dps: int, guard: int = GUARD_BITS) -> int:
    """Working precision in bits for ``dps`` decimal digits plus ``guard`` bits."""
    return math.ceil(dps * math.log2(10)) + guard


@contextmanager
def arb_precision(bits: int) -> Iterator[Any]:
    """Run a block at ``bits`` bits of Arb precision; restore ``flint.ctx.prec`` after.

    ``flint.ctx`` is process-global state (like ``mpmath.mp``): no function of the package
    changes it except inside this context manager.
    """
    flint = flint_module()
    if isinstance(bits, bool) or not isinstance(bits, int) or bits < 2:
        raise ValueError(f"bits must be an int >= 2, got {bits!r}")
    old = flint.ctx.prec
    flint.ctx.prec = bits
    try:
        yield flint
    finally:
        flint.ctx.prec = old


def arb_from_fraction(value: Fraction) -> Any:
    """The ball of an exact rational at the current precision (exact when dyadic)."""
    flint = flint_module()
    return flint.arb(flint.fmpq(value.numerator, value.denominator))


# ---------------------------------------------------------------------------------------
# the result type
# ---------------------------------------------------------------------------------------
def _exact_mpf(man: int, exp: int) -> mpmath.mpf:
    """``man * 2**exp`` as an mpf, exactly (the precision is the mantissa's bit length)."""
    return mpmath.mpf((man, exp), prec=max(abs(man).bit_length(), 1) + 1)


def _fraction(value: mpmath.mpf) -> Fraction:
    man, exp = int(value.man), int(value.exp)
    return Fraction(man) * Fraction(2) ** exp


@dataclass(frozen=True)
class Ball:
    """A proven enclosure ``[value - radius, value + radius]`` of a real number.

    ``value`` and ``radius`` are exact binary numbers (mpmath ``mpf``); ``dps`` is how many
    significant digits :func:`str` shows. ``str(ball)`` reads ``"value +/- radius"`` with the
    shown value rounded to ``dps`` digits and the shown radius rounded *up* after adding that
    rounding error, so the printed ball still contains the number.
    """

    value: mpmath.mpf
    radius: mpmath.mpf
    dps: int = 15

    @classmethod
    def from_arb(cls, x: Any, dps: int) -> Ball:
        """Convert an Arb ball (``ConvergenceError`` if it is not finite)."""
        if not x.is_finite():
            raise ConvergenceError(f"the enclosure is not finite: {x}")
        man, exp = x.mid().man_exp()
        rman, rexp = x.rad().man_exp()
        return cls(_exact_mpf(int(man), int(exp)), _exact_mpf(int(rman), int(rexp)), dps)

    @property
    def lower(self) -> Fraction:
        """Exact lower end of the ball."""
        return _fraction(self.value) - _fraction(self.radius)

    @property
    def upper(self) -> Fraction:
        """Exact upper end of the ball."""
        return _fraction(self.value) + _fraction(self.radius)

    def contains(self, x: object) -> bool:
        """Whether the exact value of ``x`` (int, float, str, Fraction, mpf) lies in the ball."""
        from .._validate import to_fraction

        exact = to_fraction(x, "x")
        return self.lower <= exact <= self.upper

    def relative_radius(self) -> float:
        """``radius / |value|`` (``inf`` when ``value`` is 0 and the radius is not)."""
        if self.radius == 0:
            return 0.0
        if self.value == 0:
            return math.inf
        return float(_fraction(self.radius) / abs(_fraction(self.value)))

    def __str__(self) -> str:
        value, radius = self.shown()
        return f"{value} +/- {radius}"

    def shown(self) -> tuple[str, str]:
        """``(value, radius)`` as printed: the value to ``dps`` digits, the radius rounded up
        to two digits after adding the rounding of the value, so the pair still encloses."""
        digits = max(self.dps, 1)
        shown = mpmath.nstr(self.value, digits, strip_zeros=False, min_fixed=-5, max_fixed=6)
        from .._validate import to_fraction

        error = abs(to_fraction(shown, "shown value") - _fraction(self.value))
        bound = float(_fraction(self.radius) + error)
        bound = math.nextafter(bound, math.inf) if bound > 0 else 0.0
        exponent = math.floor(math.log10(bound)) if bound > 0 else 0
        mantissa = math.ceil(bound / 10.0**exponent * 10) / 10 if bound > 0 else 0.0
        return shown, f"{mantissa:.1f}e{exponent:+03d}"


# ---------------------------------------------------------------------------------------
# SymPy expression -> function of balls
# ---------------------------------------------------------------------------------------
Compiled = Callable[[Mapping[sympy.Symbol, Any]], Any]


def _cut(x: Any, low: int | None, high: int | None, what: str) -> Any:
    """``x`` intersected with ``[low, high]`` (``None``: unbounded side)."""
    flint = flint_module()
    if (low is not None and x.upper() < low) or (high is not None and x.lower() > high):
        raise ValueError(f"{what}: the argument {x} lies outside its domain")
    if low is not None and high is not None:
        return flint.arb.intersection(x, flint.arb(low).union(flint.arb(high)))
    if low == 0:
        return x.nonnegative_part()
    return x


def _real_function(name: str, args: list[Any], analytic: bool) -> Any:
    del analytic  # real balls: no branch cuts to watch
    flint = flint_module()
    arb = flint.arb
    x = args[0]
    if name == "sqrt":
        return _cut(x, 0, None, "sqrt").sqrt()
    if name == "asin":
        return _cut(x, -1, 1, "asin").asin()
    if name == "acos":
        return _cut(x, -1, 1, "acos").acos()
    if name == "atan2":
        return arb.atan2(args[0], args[1])
    if name == "hyper":
        a, b, c, z = args
        return z.hypgeom_2f1(a, b, c)
    if name == "Abs":
        return abs(x)
    return getattr(x, name)()


def _complex_function(name: str, args: list[Any], analytic: bool) -> Any:
    x = args[0]
    if name in ("sqrt", "log"):
        return getattr(x, name)(analytic=analytic)
    if name in ("asin", "acos", "atan2", "hyper", "Abs"):
        raise ValueError(f"{name} is not supported in a complex integrand (branch cuts)")
    return getattr(x, name)()


_FUNCTIONS = {
    sympy.exp: "exp",
    sympy.log: "log",
    sympy.sin: "sin",
    sympy.cos: "cos",
    sympy.tan: "tan",
    sympy.sinh: "sinh",
    sympy.cosh: "cosh",
    sympy.tanh: "tanh",
    sympy.atan: "atan",
    sympy.asin: "asin",
    sympy.acos: "acos",
    sympy.atan2: "atan2",
    sympy.erf: "erf",
    sympy.erfc: "erfc",
    sympy.gamma: "gamma",
    sympy.Abs: "Abs",
}


def _number(value: sympy.Expr, complex_: bool) -> Compiled:
    flint = flint_module()
    kind = flint.acb if complex_ else flint.arb
    if value is sympy.pi:
        return lambda env: kind(flint.arb.pi())
    if value is sympy.E:
        return lambda env: kind(flint.arb.const_e())
    if isinstance(value, sympy.Float):
        sign, man, exp, _ = value._mpf_
        frac = Fraction((-1) ** sign * int(man)) * Fraction(2) ** int(exp)
    elif isinstance(value, sympy.Rational):
        frac = Fraction(int(value.p), int(value.q))
    else:
        raise ValueError(f"cannot enclose the number {value} in a ball")
    # rounded once per call, at the precision in force then
    return lambda env: kind(arb_from_fraction(frac))


def compile_sympy(expr: sympy.Expr, *, complex_: bool = False) -> Callable[..., Any]:
    """``expr`` as ``f(env, analytic=False) -> ball``, ``env`` mapping its symbols to balls.

    Evaluated node by node in Arb (``complex_=False``: ``flint.arb``) or Acb (``True``), so
    the result encloses the exact value of ``expr`` for every point of the input balls
    (Johansson 2017, see the module docstring). Supported: ``+``, ``*``, powers, ``pi``,
    ``E``, rationals, floats (their exact binary value), ``exp, log, sin, cos, tan, sinh, cosh,
    tanh, atan, asin, acos, atan2, erf, erfc, gamma, Abs`` and the Gauss hypergeometric
    :math:`{}_2F_1` (``sympy.hyper`` with two upper and one lower parameter).

    Domain overhang: a ball for ``sqrt`` (``asin``, ``acos``) whose exact argument is known
    to be :math:`\\ge 0` (in :math:`[-1, 1]`) may stick out of that domain by its radius;
    the part outside is cut before the function is applied (Arb's ``nonnegative_part`` and
    interval intersection). This keeps the enclosure rigorous exactly when the exact argument
    lies in the domain, which holds for the closed forms evaluated by
    :mod:`asymptote.certify` on validated inputs (e.g. :math:`1 - c^2 \\ge 0` by
    Cauchy-Schwarz, :math:`1 + 4q > 0`); an argument wholly outside raises ``ValueError``.

    In complex mode, ``sqrt`` and ``log`` receive Arb's ``analytic`` flag (a non-finite ball
    where the input touches the branch cut), as ``acb.integral`` requires.

    Raises
    ------
    ValueError
        A node that cannot be enclosed (``Piecewise``, unknown functions, symbols missing
        from ``env`` at call time).
    """
    apply_function = _complex_function if complex_ else _real_function
    flint = flint_module()
    kind = flint.acb if complex_ else flint.arb

    def build(node: sympy.Expr) -> Callable[[Mapping[sympy.Symbol, Any], bool], Any]:
        if isinstance(node, sympy.Symbol):

            def symbol(env: Mapping[sympy.Symbol, Any], analytic: bool) -> Any:
                try:
                    return env[node]
                except KeyError:
                    raise ValueError(f"no value given for the symbol {node}") from None

            return symbol
        if node.is_Number or node in (sympy.pi, sympy.E):
            const = _number(node, complex_)
            return lambda env, analytic: const(env)
        if isinstance(node, (sympy.Add, sympy.Mul)):
            parts = [build(a) for a in node.args]
            is_add = isinstance(node, sympy.Add)

            def combine(env: Mapping[sympy.Symbol, Any], analytic: bool) -> Any:
                out = parts[0](env, analytic)
                for part in parts[1:]:
                    out = out + part(env, analytic) if is_add else out * part(env, analytic)
                return out

            return combine
        if isinstance(node, sympy.Pow):
            base = build(node.base)
            exponent = node.exp
            if exponent.is_Integer:
                n = int(exponent)
                return lambda env, analytic: base(env, analytic) ** n
            if exponent == sympy.Rational(1, 2):
                return lambda env, analytic: apply_function("sqrt", [base(env, analytic)], analytic)
            if exponent == sympy.Rational(-1, 2):
                return lambda env, analytic: (
                    1 / apply_function("sqrt", [base(env, analytic)], analytic)
                )
            power = build(exponent)
            return lambda env, analytic: base(env, analytic) ** power(env, analytic)
        if isinstance(node, sympy.hyper):
            upper, lower = list(node.ap), list(node.bq)
            if len(upper) != 2 or len(lower) != 1:
                raise ValueError(f"only the Gauss hypergeometric 2F1 is supported, got {node}")
            pieces = [build(p) for p in (*upper, *lower, node.argument)]
            return lambda env, analytic: apply_function(
                "hyper", [p(env, analytic) for p in pieces], analytic
            )
        func = _FUNCTIONS.get(type(node))  # type: ignore[call-overload]
        if func is not None:
            pieces = [build(a) for a in node.args]
            return lambda env, analytic: apply_function(
                func, [p(env, analytic) for p in pieces], analytic
            )
        raise ValueError(
            f"cannot enclose {type(node).__name__} ({node}) in ball arithmetic; supported: "
            f"+, *, powers, constants and {', '.join(sorted(set(_FUNCTIONS.values())))}, 2F1"
        )

    root = build(expr)

    def evaluate(env: Mapping[sympy.Symbol, Any], analytic: bool = False) -> Any:
        return kind(root(env, analytic))

    return evaluate


# ---------------------------------------------------------------------------------------
# interval Newton
# ---------------------------------------------------------------------------------------
def interval_newton(
    func: Callable[[Any], Any],
    derivative: Callable[[Any], Any],
    lower: Any,
    upper: Any,
    *,
    max_iter: int = 200,
    what: str = "root",
) -> Any:
    r"""A ball proven to contain the unique zero of ``func`` in ``[lower, upper]``.

    ``func`` and ``derivative`` map an Arb ball to an Arb ball enclosing the function (its
    derivative) over that ball. The interval Newton operator of the module docstring is
    applied until it maps the interval into its own interior (the certificate: exactly one
    zero), then iterated while the width keeps halving; the last interval is returned. Runs
    at the caller's Arb precision (see :func:`arb_precision`).

    Raises
    ------
    ValueError
        ``lower >= upper``; or the derivative's enclosure contains 0 (the interval may hold
        several zeros, or a double one: no uniqueness can be proven on it); or the operator
        proves that the interval holds no zero.
    ConvergenceError
        No certificate within ``max_iter`` steps (e.g. too little precision).
    """
    flint = flint_module()
    arb = flint.arb
    lo, hi = arb(lower), arb(upper)
    if not lo < hi:
        raise ValueError(f"{what}: need lower < upper, got [{lo}, {hi}]")
    x = lo.union(hi)
    certified = False
    for step in range(max_iter):
        slope = derivative(x)
        if not slope.is_finite() or 0 in slope:
            raise ValueError(
                f"{what}: the derivative's enclosure {slope} on [{x.lower()}, {x.upper()}] "
                f"contains 0, so a unique zero cannot be proven there (two zeros, a double "
                f"zero, or an interval too wide)"
            )
        mid = arb(x.mid())
        value = func(mid)
        if not value.is_finite():
            raise ConvergenceError(f"{what}: the function is not finite at {mid}", iterations=step)
        newton = mid - value / slope
        if not newton.overlaps(x):
            if certified:  # cannot happen in exact arithmetic; a rounding accident
                raise ConvergenceError(f"{what}: the certified interval was lost", iterations=step)
            raise ValueError(
                f"{what}: no zero in [{x.lower()}, {x.upper()}] (the interval Newton image "
                f"{newton} misses it)"
            )
        if x.contains_interior(newton):
            if certified and newton.rad() > x.rad() / 2:
                return newton  # no more halving: the precision is exhausted
            certified = True
            x = newton
            continue
        if certified:
            return x
        x = arb.intersection(x, newton)
    if certified:
        return x
    raise ConvergenceError(f"{what}: interval Newton did not certify a zero", iterations=max_iter)


# ---------------------------------------------------------------------------------------
# Gaussian expectations by rigorous integration
# ---------------------------------------------------------------------------------------
def _tail_halfwidth(bits: int) -> Any:
    """Half-width :math:`L` of the integration range, :math:`\\mathrm{erfc}(L/\\sqrt2) < 2^{-bits}`."""
    flint = flint_module()
    # erfc(x) <= exp(-x^2) for x >= 0, so L = sqrt(2 (bits + 4) ln 2) suffices
    return flint.arb(2 * (bits + 4) * math.log(2)).sqrt().ceil() + 1


def gaussian_expectation_ball(
    integrand: Callable[[Any, bool], Any],
    q: Any,
    *,
    sup_bound: Any,
    rel_tol_bits: int | None = None,
) -> Any:
    r"""Ball enclosing :math:`E[f(\sqrt{q}\,z)] = \int f(\sqrt q z)\,\varphi(z)\,dz`.

    ``integrand(u, analytic)`` returns :math:`f(u)` as an Acb ball (see ``acb.integral``:
    for ``analytic=True`` it must return a non-finite ball where :math:`f` is not
    holomorphic; meromorphic :math:`f` built from Acb operations does so by itself).
    ``sup_bound`` is a proven bound :math:`M \ge \sup_{x \in \mathbb{R}} |f(x)|`.

    The integral over :math:`|z| \le L` is Arb's rigorous Gauss-Legendre integration
    (Johansson, *Numerical integration in arbitrary-precision ball arithmetic*, ICMS 2018,
    ``acb_calc_integrate``), on the real path :math:`[-L, L]`; the tails add at most
    :math:`M\,\mathrm{erfc}(L/\sqrt2)` (:math:`\int_{|z|>L}\varphi = \mathrm{erfc}(L/\sqrt2)`,
    DLMF 7.2.2), added to the radius. :math:`L` makes that bound :math:`< 2^{-p}` at the
    working precision :math:`p`. ``q`` may be a ball of positive width (the result then
    encloses the expectation for every :math:`q` in it).
    """
    flint = flint_module()
    arb, acb = flint.arb, flint.acb
    bits = int(flint.ctx.prec)
    half = _tail_halfwidth(bits)
    root_q = acb(arb(q).sqrt())
    norm = 1 / (2 * arb.pi()).sqrt()

    def weighted(z: Any, analytic: bool) -> Any:
        return integrand(root_q * z, analytic) * (-(z * z) / 2).exp() * norm

    tol = None if rel_tol_bits is None else arb(2) ** (-rel_tol_bits)
    body = acb.integral(weighted, -half, half, rel_tol=tol, abs_tol=tol)
    if not body.imag.contains(0):  # the real integrand's integral is real
        raise ConvergenceError(f"rigorous integration gave a non-real enclosure {body}")
    tail = arb(sup_bound) * (half / arb(2).sqrt()).erfc()
    return body.real + tail * arb(0, 1)  # [-tail, tail]: the tails may have either sign
