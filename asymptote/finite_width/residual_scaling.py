r"""Residual networks with scaled branches at finite width: exact length statistics vs the scales.

Network ([HR18, Sec. 3] scales each residual module by :math:`\eta_l`):

.. math:: x^l = x^{l-1} + \eta_l\, N_l(x^{l-1}), \qquad
          N_l(x) = V^l\,\mathrm{ReLU}(W^l x + b^l) + a^l, \qquad l = 1, \dots, L,

with a stream of width :math:`n`, a branch of hidden width :math:`m`, independent Gaussian
:math:`W^l_{ik} \sim N(0, \sigma_w^2/n)`, :math:`V^l_{ki} \sim N(0, \sigma_v^2/m)`,
:math:`b^l \sim N(0, \sigma_b^2)`, :math:`a^l \sim N(0, \sigma_a^2)` (the full-residual
parameterization of [YS17] with a scale :math:`\eta_l`; :math:`\eta_l = 1` is their FRN).
:math:`N_l` is a one-hidden-layer ReLU block with a *linear, centred* read-out, so
:math:`E[\langle x, N_l(x)\rangle \mid x] = 0`; HR18's modules are general ReLU nets with
variance :math:`2/\text{fan-in}`, and their criterion is stated for those (see Notes of
:func:`residual_asymptotics` for how the two differ).

Exact results (derived here, checked against Monte Carlo in the tests). With
:math:`M_l = \|x^l\|^2/n`, :math:`F = \chi^2_K/m`, :math:`K \sim \mathrm{Bin}(m, 1/2)` and,
given the past, :math:`N_l(x^{l-1}) \sim N(0, \tau I_n)`,
:math:`\tau = \sigma_v^2 (\sigma_w^2 M + \sigma_b^2) F + \sigma_a^2`:

.. math::
    E[M_l \mid M, \tau] &= M + \eta_l^2 \tau, \\
    E[M_l^2 \mid M, \tau] &= M^2 + \eta_l^2 M \tau (2 + 4/n) + \eta_l^4 \tau^2 (1 + 2/n),

closed in :math:`(E M, E M^2)` because :math:`\tau` is affine in :math:`M`. Without biases
the ratio :math:`R_l = M_l/M_{l-1}` is independent of the past, so
:math:`M_L = M_0\prod_l R_l` (a product law) with, for the branch gain
:math:`\gamma = \sigma_w^2\sigma_v^2/2` (1 for He weights and :math:`\sigma_v^2 = 1`),

.. math::
    E[R_l] = 1 + \gamma\eta_l^2, \qquad
    \mathrm{Var}[R_l] = \frac{4\gamma\eta_l^2}{n} +
        \gamma^2\eta_l^4\Bigl[\bigl(1 + \tfrac{5}{m}\bigr)\bigl(1 + \tfrac{2}{n}\bigr) - 1\Bigr].

Hence :math:`E[M_L] = M_0\prod_l(1 + \gamma\eta_l^2)` is bounded in :math:`L` iff
:math:`\sum_l \eta_l^2 < \infty`, and then :math:`E[M_L^2]/E[M_L]^2 =
\prod_l (1 + \mathrm{Var} R_l/(1+\gamma\eta_l^2)^2)` is bounded too: avoiding FM1 avoids FM2,
as [HR18] prove for their modules.

**Non-centred branches** (``branch="relu"``): :math:`N_l(x) = \mathrm{ReLU}(W^l x)`, the
branch ending in a ReLU, :math:`W^l_{ik} \sim N(0, \sigma_w^2/n)`, input
:math:`x^0 \ge 0` entrywise (so every :math:`x^l \ge 0`). Given :math:`x`, :math:`h = Wx` has
i.i.d. :math:`N(0, \sigma_w^2 M)` entries independent of :math:`x`'s entries, so with the
entry mean :math:`\bar m = \sum_i x_i/n`,

.. math::
    E[M_l \mid x^{l-1}] = M + \eta_l\sigma_w\sqrt{2/\pi}\,\bar m\sqrt{M}
        + \tfrac12\eta_l^2\sigma_w^2 M :

a term *first order* in :math:`\eta_l`, absent for centred branches. With
:math:`\sqrt{M/n} \le \bar m \le \sqrt M` (:math:`\|x\|_2 \le \|x\|_1 \le \sqrt n\|x\|_2`
for :math:`x \ge 0`), at every width :math:`n`

.. math::
    \prod_l\Bigl(1 + \eta_l\sigma_w\sqrt{\tfrac{2}{\pi n}} + \tfrac12\eta_l^2\sigma_w^2\Bigr)
    \le \frac{E[M_L]}{M_0} \le
    \prod_l\Bigl(1 + \eta_l\sigma_w\sqrt{\tfrac{2}{\pi}} + \tfrac12\eta_l^2\sigma_w^2\Bigr),

so the mean stays bounded iff :math:`\sum_l \eta_l < \infty`: [HR18, Sec. 4]'s criterion,
sharp for this branch. At infinite width (law of large numbers) :math:`(M_l, \bar m_l)` follow
:math:`M' = M + \eta\sigma_w\sqrt{2/\pi}\,\bar m\sqrt M + \eta^2\sigma_w^2 M/2`,
:math:`\bar m' = \bar m + \eta\sigma_w\sqrt{M/(2\pi)}` (the ``'rrn'`` mean-field map of
[YS17] with :math:`\sigma_w \to \eta\sigma_w`); when :math:`\sum\eta_l = \infty`,
:math:`\bar m/\sqrt M \to 1` and :math:`\log M_L \sim \sigma_w\sqrt{2/\pi}\sum_{l\le L}\eta_l`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy

from .._validate import integer
from .moments import _Backend, _per_layer, check_widths, layer_factor_moment, parse_real

__all__ = [
    "ResidualMoments",
    "residual_length_moments",
    "eta_schedule",
    "residual_asymptotics",
    "ratio_moments",
    "noncentred_block_mean",
    "noncentred_mean_bounds",
    "noncentred_mean_field",
    "sample_residual_lengths",
]


@dataclass(frozen=True)
class ResidualMoments:
    """Per-block mean, second moment and variance of :math:`M_l`, ``l = 0..L`` (lists)."""

    mean: list[Any]
    second_moment: list[Any]
    variance: list[Any]

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _check_eta(eta: object) -> list[sympy.Expr]:
    if hasattr(eta, "tolist") and not isinstance(eta, str):
        eta = eta.tolist()  # type: ignore[union-attr]
    if not isinstance(eta, (list, tuple)) or len(eta) == 0:
        raise ValueError(
            f"eta must be a non-empty sequence of branch scales (one per block), got {eta!r}"
        )
    return [parse_real(e, f"eta[{i}]") for i, e in enumerate(eta)]


def _exact_or_symbol(value: object, name: str) -> sympy.Expr:
    """A SymPy expression passed by a program (symbols allowed) as is; any other value
    exactly through :func:`parse_real` (text by the strict number grammar, never sympify)."""
    if isinstance(value, sympy.Basic):
        if not isinstance(value, sympy.Expr) or value.is_real is False:
            raise TypeError(f"{name} must be a real number or SymPy expression, got {value!r}")
        return value
    return parse_real(value, name)


def _squares(values: Sequence[sympy.Expr]) -> list[sympy.Expr]:
    """Squares of per-layer values; a broadcast scalar (the same object) is squared once."""
    done: dict[int, sympy.Expr] = {}
    out = []
    for v in values:
        if id(v) not in done:
            done[id(v)] = v**2
        out.append(done[id(v)])
    return out


def residual_length_moments(
    eta: Sequence[Any],
    width: int,
    sigma_w: Any,
    sigma_b: Any,
    *,
    sigma_v: Any = 1,
    sigma_a: Any = 0,
    hidden_width: int | None = None,
    input_length: Any = 1,
    exact: bool = False,
    dps: int | None = None,
) -> ResidualMoments:
    r"""Exact :math:`E[M_l]`, :math:`E[M_l^2]`, :math:`\mathrm{Var}[M_l]` of the scaled ResNet.

    Parameters
    ----------
    eta : sequence of reals
        Branch scales :math:`\eta_1, \dots, \eta_L` (the depth is ``len(eta)``).
    width : int
        Stream width :math:`n`.
    sigma_w, sigma_b : real
        Standard deviations of the branch's first layer (weights times :math:`\sqrt n`).
    sigma_v, sigma_a : real
        Standard deviations of the branch read-out (weights times :math:`\sqrt m`), default
        1 and 0.
    hidden_width : int, optional
        :math:`m`, default ``width``.
    input_length : real
        :math:`M_0`.
    exact, dps
        SymPy numbers, mpmath digits, or floats (default).

    Returns
    -------
    ResidualMoments
        Lists of length ``L + 1`` (index 0 is the input).

    Notes
    -----
    The recursion in the module docstring (derived here; the architecture of [YS17] with the
    branch scales of [HR18, Sec. 3]).

    Examples
    --------
    >>> r = residual_length_moments(["1/2"] * 3, 10, "sqrt(2)", 0, exact=True)
    >>> r.mean[-1]
    125/64
    """
    etas = _check_eta(eta)
    (n,) = check_widths([width], "width")
    (m,) = check_widths([hidden_width if hidden_width is not None else width], "hidden_width")
    depth = len(etas)
    sw2 = _squares(_per_layer(sigma_w, depth, "sigma_w"))
    sb2 = _squares(_per_layer(sigma_b, depth, "sigma_b"))
    sv2 = _squares(_per_layer(sigma_v, depth, "sigma_v"))
    sa2 = _squares(_per_layer(sigma_a, depth, "sigma_a"))
    m0 = parse_real(input_length, "input_length")
    f1 = layer_factor_moment(m, 1)
    f2 = layer_factor_moment(m, 2)
    be = _Backend(exact, dps)
    with be.context():
        one = be(1)
        mean, second = be(m0), be(m0**2)
        means, seconds = [mean], [second]
        ef1, ef2 = be(f1), be(f2)
        for l in range(depth):
            e2 = be(etas[l] ** 2)
            w, b, v, a = be(sw2[l]), be(sb2[l]), be(sv2[l]), be(sa2[l])
            # tau = v (w M + b) F + a; moments of tau, M tau given M (F independent).
            tau_mean = v * (w * mean + b) * ef1 + a
            m_tau = v * (w * second + b * mean) * ef1 + a * mean
            aff2 = w * w * second + 2 * w * b * mean + b * b  # E[(wM + b)^2]
            aff1 = w * mean + b
            tau2 = v * v * aff2 * ef2 + 2 * v * a * aff1 * ef1 + a * a
            new_mean = mean + e2 * tau_mean
            new_second = (
                second + e2 * m_tau * (2 + one * 4 / n) + e2 * e2 * tau2 * (1 + one * 2 / n)
            )
            mean, second = new_mean, new_second
            means.append(mean)
            seconds.append(second)
        variances = [s - mu * mu for mu, s in zip(means, seconds, strict=False)]
        return ResidualMoments(
            [be.finish(x, "mean") for x in means],
            [be.finish(x, "second_moment") for x in seconds],
            [be.finish(x, "variance") for x in variances],
        )


def ratio_moments(
    eta: Any, width: int, *, hidden_width: int | None = None, gain: Any = 1
) -> tuple[sympy.Expr, sympy.Expr]:
    r"""Exact :math:`(E[R], \mathrm{Var}[R])` of one unbiased block, :math:`R = M_l/M_{l-1}`.

    ``eta`` and ``gain`` (:math:`\gamma = \sigma_w^2\sigma_v^2/2`) may be SymPy symbols.

    Examples
    --------
    >>> ratio_moments(sympy.Symbol("eta"), 10)
    (eta**2 + 1, 4*eta**4/5 + 2*eta**2/5)
    """
    (n,) = check_widths([width], "width")
    (m,) = check_widths([hidden_width if hidden_width is not None else width], "hidden_width")
    e, g = _exact_or_symbol(eta, "eta"), _exact_or_symbol(gain, "gain")
    mean = 1 + g * e**2
    var = 4 * g * e**2 / n + g**2 * e**4 * (
        (1 + sympy.Rational(5, m)) * (1 + sympy.Rational(2, n)) - 1
    )
    return sympy.expand(mean), sympy.expand(var)


def eta_schedule(
    kind: str, depth: int, *, scale: Any = 1, beta: Any = 1, ratio: Any = "1/2"
) -> list[sympy.Expr]:
    r"""Branch scales: ``'constant'`` (:math:`c`), ``'power'`` (:math:`c\,l^{-\beta}`) or
    ``'geometric'`` (:math:`c\,r^l`), for :math:`l = 1..\mathrm{depth}` (exact SymPy numbers).

    Examples
    --------
    >>> eta_schedule("geometric", 3, ratio="1/2")
    [1/2, 1/4, 1/8]
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be an int >= 1, got {depth!r}")
    c = parse_real(scale, "scale")
    if kind == "constant":
        return [c] * depth
    if kind == "power":
        b = parse_real(beta, "beta")
        return [c * sympy.Integer(l) ** (-b) for l in range(1, depth + 1)]
    if kind == "geometric":
        r = parse_real(ratio, "ratio")
        if not 0 <= r < 1:
            raise ValueError(f"ratio must be in [0, 1), got {ratio!r}")
        return [c * r**l for l in range(1, depth + 1)]
    raise ValueError(f"kind must be 'constant', 'power' or 'geometric', got {kind!r}")


def residual_asymptotics(
    kind: str,
    *,
    scale: Any = 1,
    beta: Any = 1,
    ratio: Any = "1/2",
    gain: Any = 1,
    branch: str = "centred",
) -> dict[str, Any]:
    r"""Large-depth behaviour of the mean length :math:`E[M_L]/M_0` of a scaled ResNet.

    ``branch="centred"`` (default): :math:`E[M_L]/M_0 = \prod_{l \le L}(1 + \gamma\eta_l^2)`.
    Returns a dict with ``sum_eta_converges`` (:math:`\sum\eta_l`), ``sum_eta_squared_converges``
    (:math:`\sum\eta_l^2`, decided by SymPy's ``Sum.is_convergent``), ``mean_bounded``
    (= the latter: FM1 avoided), ``log_mean`` (leading behaviour of :math:`\log E[M_L]/M_0` as
    a SymPy expression in ``L``) and ``closed_form`` (the product when SymPy finds one).

    ``branch="relu"`` (non-centred, module docstring; :math:`\gamma = \sigma_w^2/2`): the mean
    is squeezed between products of :math:`1 + c\,\eta_l + \gamma\eta_l^2` with
    :math:`c > 0`, so ``mean_bounded`` is ``sum_eta_converges``; ``log_mean`` is the
    infinite-width leading term :math:`2\sqrt{\gamma/\pi}\sum_{l\le L}\eta_l` (an unevaluated
    ``Sum`` when it converges); ``closed_form`` and ``limit`` are None (no product law).

    Notes
    -----
    :math:`\gamma\sum\eta_l^2 - \tfrac12\gamma^2\sum\eta_l^4 \le \log\prod(1+\gamma\eta_l^2)
    \le \gamma\sum\eta_l^2`, so the mean is bounded iff :math:`\sum\eta_l^2 < \infty`; it
    grows like :math:`e^{\gamma\sum_{l\le L}\eta_l^2}` otherwise: exponentially for constant
    :math:`\eta`, like :math:`\exp(\gamma c^2 L^{1-2\beta}/(1-2\beta))` for
    :math:`\eta_l = c\,l^{-\beta}`, :math:`\beta < 1/2`, and polynomially
    (:math:`L^{\gamma c^2}`) at :math:`\beta = 1/2` (exactly :math:`L + 1` for
    :math:`\gamma c^2 = 1`). [HR18, Sec. 3] state the criterion :math:`\sum_l \eta_l < \infty`
    for their modules; for this centred block the sharp criterion is the weaker
    :math:`\sum_l \eta_l^2 < \infty` (the cross term :math:`\langle x, N(x)\rangle` has mean 0,
    so the scale enters squared); :math:`\sum\eta_l < \infty` implies it.

    Examples
    --------
    >>> out = residual_asymptotics("power", beta="1/2")
    >>> out["sum_eta_converges"], out["sum_eta_squared_converges"], out["closed_form"]
    (False, False, L + 1)
    """
    if branch not in ("centred", "relu"):
        raise ValueError(f"branch must be 'centred' or 'relu', got {branch!r}")
    l_sym = sympy.Symbol("l", positive=True, integer=True)
    big_l = sympy.Symbol("L", positive=True, integer=True)
    c = parse_real(scale, "scale")
    g = parse_real(gain, "gain")
    if kind == "constant":
        eta = c + 0 * l_sym
    elif kind == "power":
        eta = c * l_sym ** (-parse_real(beta, "beta"))
    elif kind == "geometric":
        r = parse_real(ratio, "ratio")
        if not 0 <= r < 1:
            raise ValueError(f"ratio must be in [0, 1), got {ratio!r}")
        eta = c * r**l_sym
    else:
        raise ValueError(f"kind must be 'constant', 'power' or 'geometric', got {kind!r}")

    def converges(expr: sympy.Expr) -> bool:
        if expr == 0:
            return True
        return bool(sympy.Sum(expr, (l_sym, 1, sympy.oo)).is_convergent())

    sum1 = converges(eta)
    sum2 = converges(eta**2)
    if branch == "relu":
        rate = 2 * sympy.sqrt(g / sympy.pi)
        upper = sympy.oo if sum1 else big_l
        return {
            "sum_eta_converges": sum1,
            "sum_eta_squared_converges": sum2,
            "mean_bounded": sum1,
            "log_mean": rate * sympy.Sum(eta, (l_sym, 1, upper)),
            "closed_form": None,
            "limit": None,
        }
    b = parse_real(beta, "beta") if kind == "power" else None
    if kind == "constant":
        log_mean = big_l * sympy.log(1 + g * c**2)
    elif sum2:
        log_mean = sympy.Sum(sympy.log(1 + g * eta**2), (l_sym, 1, sympy.oo))
    elif b == sympy.Rational(1, 2):
        log_mean = g * c**2 * sympy.log(big_l)
    else:
        assert b is not None
        log_mean = g * c**2 * big_l ** (1 - 2 * b) / (1 - 2 * b)
    closed = _try_product(1 + g * eta**2, l_sym, big_l)
    limit = _try_product(1 + g * eta**2, l_sym, sympy.oo) if sum2 else sympy.oo
    return {
        "sum_eta_converges": sum1,
        "sum_eta_squared_converges": sum2,
        "mean_bounded": sum2,
        "log_mean": log_mean,
        "closed_form": closed,
        "limit": limit,
    }


def _try_product(expr: sympy.Expr, var: sympy.Symbol, upper: Any) -> Any:
    """SymPy's closed form of a product, or None when it has none (or only a complex one)."""
    try:
        value = sympy.product(expr, (var, 1, upper))
        if isinstance(value, sympy.Product) or value.has(sympy.Product) or value.has(sympy.I):
            return None
        return sympy.simplify(value)
    except (TypeError, ValueError, NotImplementedError):
        return None


# ---------------------------------------------------------------------------------------
# non-centred branches N(x) = ReLU(W x)
# ---------------------------------------------------------------------------------------
def _relu_mean_and_square(variance: Any) -> tuple[Any, Any]:
    r""":math:`E[\mathrm{ReLU}(h)] = \sqrt{v/(2\pi)}` and :math:`E[\mathrm{ReLU}(h)^2] = v/2` for
    :math:`h \sim N(0, v)`."""
    return sympy.sqrt(variance / (2 * sympy.pi)), variance / 2


def noncentred_block_mean(
    eta: Any,
    sigma_w: Any,
    *,
    sigma_b: Any = 0,
    input_length: Any = 1,
    input_mean: Any = 1,
) -> sympy.Expr:
    r"""Exact :math:`E[M_1]` after one non-centred block :math:`x + \eta\,\mathrm{ReLU}(Wx + b)`.

    For a fixed input with :math:`M = \|x\|^2/n` (``input_length``) and entry mean
    :math:`\bar m = \sum_i x_i/n` (``input_mean``), at any width :math:`n`:
    :math:`E[M_1] = M + 2\eta\bar m\sqrt{v/(2\pi)} + \eta^2 v/2` with
    :math:`v = \sigma_w^2 M + \sigma_b^2` (module docstring; derived here for the branches of
    [HR18, Sec. 4]). Returns a SymPy number (``eta`` etc. may be SymPy symbols).

    Examples
    --------
    >>> noncentred_block_mean("1/2", "sqrt(2)")
    1/sqrt(pi) + 5/4
    """
    e = _exact_or_symbol(eta, "eta")
    sw, sb = _exact_or_symbol(sigma_w, "sigma_w"), _exact_or_symbol(sigma_b, "sigma_b")
    m = _exact_or_symbol(input_length, "input_length")
    mbar = _exact_or_symbol(input_mean, "input_mean")
    if m.is_number and mbar.is_number and mbar**2 > m:
        raise ValueError(
            f"input_mean^2 must be <= input_length (Cauchy-Schwarz), got {input_mean!r}, "
            f"{input_length!r}"
        )
    first, square = _relu_mean_and_square(sw**2 * m + sb**2)
    return sympy.expand(m + 2 * e * mbar * first + e**2 * square)


def noncentred_mean_bounds(
    eta: Sequence[Any],
    width: int,
    sigma_w: Any,
    *,
    input_length: Any = 1,
    dps: int | None = None,
) -> tuple[Any, Any]:
    r"""Bounds on :math:`E[M_L]` for non-centred branches, no biases, input :math:`x^0 \ge 0`.

    :math:`M_0\prod_l(1 + \eta_l\sigma_w\sqrt{2/(\pi n)} + \eta_l^2\sigma_w^2/2) \le E[M_L]
    \le M_0\prod_l(1 + \eta_l\sigma_w\sqrt{2/\pi} + \eta_l^2\sigma_w^2/2)` at width :math:`n`
    (module docstring; the upper bound holds for every input). Floats, or mpf with ``dps``.

    Examples
    --------
    >>> low, high = noncentred_mean_bounds(["1/2"], 8, "sqrt(2)")
    >>> round(low, 6), round(high, 6)
    (1.449471, 1.81419)
    """
    etas = _check_eta(eta)
    (n,) = check_widths([width], "width")
    sw = parse_real(sigma_w, "sigma_w")
    m0 = parse_real(input_length, "input_length")
    be = _Backend(False, dps)
    with be.context():
        low, high = be(m0), be(m0)
        for e in etas:
            square = be(e**2 * sw**2 / 2)
            high *= 1 + be(e * sw * sympy.sqrt(2 / sympy.pi)) + square
            low *= 1 + be(e * sw * sympy.sqrt(2 / (sympy.pi * n))) + square
        return be.finish(low, "lower bound"), be.finish(high, "upper bound")


def noncentred_mean_field(
    eta: Sequence[Any],
    sigma_w: Any,
    sigma_b: Any = 0,
    *,
    input_length: Any = 1,
    input_mean: Any = 1,
    dps: int | None = None,
) -> tuple[list[Any], list[Any]]:
    r"""Infinite-width trajectories :math:`(M_l, \bar m_l)`, ``l = 0..L``, of the non-centred
    ResNet :math:`x^l = x^{l-1} + \eta_l\,\mathrm{ReLU}(W^l x^{l-1} + b^l)`.

    :math:`M' = M + 2\eta\bar m\sqrt{v/(2\pi)} + \eta^2 v/2`,
    :math:`\bar m' = \bar m + \eta\sqrt{v/(2\pi)}`, :math:`v = \sigma_w^2 M + \sigma_b^2`
    (the limit :math:`n \to \infty` of :func:`noncentred_block_mean`, block by block; the
    ``'rrn'`` map of [YS17] with :math:`\sigma_{w,b} \to \eta\sigma_{w,b}`). Floats, or mpf
    with ``dps``.

    Examples
    --------
    >>> m, mbar = noncentred_mean_field(["1/2"], "sqrt(2)")
    >>> round(m[1], 6), round(mbar[1], 6)
    (1.81419, 1.282095)
    """
    etas = _check_eta(eta)
    sw2 = _squares(_per_layer(sigma_w, len(etas), "sigma_w"))
    sb2 = _squares(_per_layer(sigma_b, len(etas), "sigma_b"))
    m0 = parse_real(input_length, "input_length")
    mbar0 = parse_real(input_mean, "input_mean", minimum=None)
    if mbar0**2 > m0:
        raise ValueError(
            f"input_mean^2 must be <= input_length (Cauchy-Schwarz), got {input_mean!r}, "
            f"{input_length!r}"
        )
    be = _Backend(False, dps)
    sqrt = math.sqrt if dps is None else mpmath.sqrt
    with be.context():
        two_pi = 2 * (math.pi if dps is None else mpmath.pi)
        m, mbar = be(m0), be(mbar0)
        ms, mbars = [m], [mbar]
        for e_exact, a, b in zip(etas, sw2, sb2, strict=True):
            e, v = be(e_exact), be(a) * m + be(b)
            first = sqrt(v / two_pi)
            m, mbar = m + 2 * e * mbar * first + e * e * v / 2, mbar + e * first
            ms.append(m)
            mbars.append(mbar)
        return [be.finish(x, "M_l") for x in ms], [be.finish(x, "mean entry") for x in mbars]


def sample_residual_lengths(
    eta: Sequence[Any],
    width: int,
    sigma_w: Any,
    *,
    sigma_v: Any = 1,
    hidden_width: int | None = None,
    branch: str = "centred",
    inputs: Any = None,
    samples: int = 1000,
    seed: int = 0,
    chunk: int = 50_000,
) -> np.ndarray:
    r"""Lengths :math:`M_0..M_L` of ``samples`` random scaled ResNets without biases (float64).

    ``branch="centred"``: :math:`x + \eta V\mathrm{ReLU}(Wx)`; ``"relu"``:
    :math:`x + \eta\,\mathrm{ReLU}(Wx)` (module docstring). Drawn by Gaussian conditioning,
    exact in law: given :math:`x`, :math:`Wx \sim N(0, \sigma_w^2 M I_m)`; given
    :math:`u = \mathrm{ReLU}(Wx)`, :math:`Vu \sim N(0, \sigma_v^2\|u\|^2/m\, I_n)` (each
    :math:`V^l` is used once), so a block costs :math:`m + n` normals instead of :math:`2mn`.
    ``inputs``: a vector of width ``width`` (default ones). Returns shape ``(samples, L + 1)``.

    Examples
    --------
    >>> sample_residual_lengths(["1/2"] * 3, 4, 1.0, samples=5).shape
    (5, 4)
    """
    etas = [float(e) for e in _check_eta(eta)]
    (n,) = check_widths([width], "width")
    (m,) = check_widths([hidden_width if hidden_width is not None else width], "hidden_width")
    if branch not in ("centred", "relu"):
        raise ValueError(f"branch must be 'centred' or 'relu', got {branch!r}")
    if branch == "relu" and hidden_width not in (None, width):
        raise ValueError("branch 'relu' maps the stream to itself: hidden_width must equal width")
    for name, value, low in (("samples", samples, 1), ("seed", seed, 0), ("chunk", chunk, 1)):
        integer(value, name, minimum=low)
    sw = float(parse_real(sigma_w, "sigma_w"))
    sv = float(parse_real(sigma_v, "sigma_v"))
    x0 = np.ones(n) if inputs is None else np.asarray(inputs, dtype=float)
    if x0.shape != (n,) or not np.all(np.isfinite(x0)):
        raise ValueError(f"inputs must be a finite vector of width {n}, got shape {x0.shape}")
    rng = np.random.default_rng(seed)
    out = np.empty((samples, len(etas) + 1))
    for start in range(0, samples, chunk):
        b = min(chunk, samples - start)
        x = np.array(np.broadcast_to(x0, (b, n)))
        lengths = [np.einsum("bi,bi->b", x, x) / n]
        for e in etas:
            scale = sw * np.sqrt(lengths[-1])[:, None]
            u = np.maximum(rng.standard_normal((b, m)) * scale, 0.0)
            if branch == "centred":
                tau = sv * np.sqrt(np.einsum("bi,bi->b", u, u) / m)[:, None]
                x = x + e * tau * rng.standard_normal((b, n))
            else:
                x = x + e * u
            lengths.append(np.einsum("bi,bi->b", x, x) / n)
        out[start : start + b] = np.stack(lengths, axis=1)
    return out
