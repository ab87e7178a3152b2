r"""Exact finite-width statistics of the squared activation length of a deep ReLU network.

Network (fixed input :math:`x^0 \in \mathbb{R}^{n_0}`, ``widths`` :math:`= (n_1, \dots, n_d)`):

.. math:: h^j = W^j x^{j-1} + b^j, \qquad x^j = \mathrm{ReLU}(h^j), \qquad
          M_j = \|x^j\|^2 / n_j,

with independent weights :math:`W^j_{ik}` of variance :math:`\sigma_{w,j}^2/n_{j-1}` and biases
of variance :math:`\sigma_{b,j}^2`, both symmetric about 0 (``sigma_w``, ``sigma_b`` are
standard deviations, as everywhere in asymptote). With ``readout="linear"`` the last layer has
no ReLU (:math:`M_d = \|h^d\|^2/n_d`). This is the setting of [HR18, Sec. 2 and Thm. 5]
(``M_d`` is their normalized squared output length; He initialization is
:math:`\sigma_w^2 = 2`).

Results derived here (each is checked against Monte Carlo of explicit networks in the tests):

* **Product law** (Gaussian weights, zero biases). Given :math:`x^{j-1}` the :math:`h^j_i` are
  i.i.d. :math:`N(0, \sigma_{w,j}^2 M_{j-1})`, so

  .. math:: M_d = M_0 \prod_{j=1}^d \sigma_{w,j}^2 F_j, \qquad
            F_j = \chi^2_{K_j} / n_j, \quad K_j \sim \mathrm{Bin}(n_j, 1/2)

  with independent factors (:math:`K_j = n_j` for a linear readout). The law of
  :math:`M_d` depends on the widths only through the multiset
  :math:`\{(n_j, \sigma_{w,j})\}`: **reordering the widths leaves the law exactly
  unchanged**. :math:`P(M_d = 0) = 1 - \prod_j (1 - 2^{-n_j})`.
* **Moments of the factor**: :math:`E[F^k] = n^{-k} E[\prod_{i<k}(K + 2i)]`, a rational
  function of :math:`n`; :math:`E[F] = 1/2`, :math:`E[F^2] = (1 + 5/n)/4`.
* **FM1** [HR18, Thm. 5]: for any symmetric weight and bias laws
  :math:`E[M_j] = (\sigma_{w,j}^2 E[M_{j-1}] + \sigma_{b,j}^2)/2`, independent of the widths:
  :math:`E[M_d] = M_0 \prod_j \sigma_{w,j}^2/2` without biases, exponential in :math:`d`
  unless :math:`\sigma_w^2 = 2` (variance 2/fan-in).
* **FM2, exact constant** (Gaussian, zero bias, ReLU on every layer):

  .. math:: \frac{E[M_d^2]}{E[M_d]^2} = \prod_{j=1}^d \Bigl(1 + \frac{5}{n_j}\Bigr),
            \qquad e^{5\beta - \frac{25}{2}\sum_j n_j^{-2}} \le \prod_j (1 + 5/n_j) \le
            e^{5\beta}, \quad \beta = \sum_j 1/n_j,

  (the last factor is :math:`1 + 2/n_d` for a linear readout). [HR18, Thm. 5] bound this
  between :math:`e^{c\beta}` and :math:`e^{C\beta}`; the exact constant is 5.
* **Non-Gaussian symmetric weights** (fourth moment :math:`\kappa_w \sigma^4/n_{j-1}^2`,
  kurtosis :math:`\kappa_w`; 3 for Gaussian, 1 for Rademacher, 9/5 for uniform): the
  conditional law of :math:`h^j` is no longer a function of :math:`M_{j-1}` alone.
  :math:`E[h_i^4 \mid x] = 3 s^4\|x\|^4 + (\kappa_w - 3)s^4 \sum_k x_k^4 + \dots` brings in
  the mean fourth power :math:`Q_{j-1} = \sum_k (x^{j-1}_k)^4 / n_{j-1}`, and the triple
  :math:`(E M, E M^2, E Q)` obeys an exact *linear* recursion (below), so the mean and the
  second moment stay exact while the law is no longer a product of independent factors, and
  the second moment depends on the input through :math:`Q_0 = \sum_k (x^0_k)^4 / n_0` and on
  the order of the widths (through terms :math:`(\kappa_w - 3)/(n_{j-1} n_j)`).

One layer of the second-moment recursion (:math:`s_w = \sigma_w^2`, :math:`s_b = \sigma_b^2`,
:math:`\rho = 1/2` for ReLU and :math:`1` for a linear readout, :math:`n' = n_j`,
:math:`n = n_{j-1}`), exact for symmetric laws with finite fourth moments:

.. math::
    v &= s_w M + s_b, \qquad
    E_4 = 3 s_w^2 M^2 + (\kappa_w - 3) s_w^2 Q / n + 6 s_w s_b M + \kappa_b s_b^2, \\
    E[M'] &= \rho\, E[v], \quad
    E[M'^2] = \rho\, E[E_4]/n' + (1 - 1/n') \rho^2 E[v^2], \quad
    E[Q'] = \rho\, E[E_4].

It uses only that the rows of :math:`W^j` are independent and that :math:`h_i` is symmetric
given :math:`x^{j-1}`, so :math:`E[\mathrm{ReLU}(h)^{2k}] = E[h^{2k}]/2`.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Literal, TypeAlias, overload

import mpmath
import numpy as np
import sympy
from sympy.functions.combinatorial.numbers import stirling

from .._precision import GUARD_DIGITS, check_dps
from .._validate import is_number_text, to_exact, to_fraction

__all__ = [
    "LengthMoments",
    "FailureModes",
    "check_widths",
    "parse_real",
    "layer_factor_moment",
    "layer_factor_moment_expr",
    "output_length_moments",
    "output_length_moment",
    "output_length_mellin",
    "layer_length_moments",
    "probability_dead",
    "sample_output_length",
    "failure_modes",
]

#: A value of :class:`_Backend`: exact (SymPy), ``mpf`` (``dps=N``) or float.
Number: TypeAlias = "float | mpmath.mpf | sympy.Expr"

_SQRT = re.compile(r"^\s*sqrt\s*\((.+)\)\s*$")
_READOUTS = ("relu", "linear")


# ---------------------------------------------------------------------------------------
# input parsing
# ---------------------------------------------------------------------------------------
def check_widths(widths: object, name: str = "widths") -> tuple[int, ...]:
    """Validate a non-empty sequence of positive integer layer widths.

    Raises
    ------
    TypeError
        Not a sequence, or an item that is not an ``int`` (``10.0``, ``"10"``, ``True``).
    ValueError
        Empty, or an item ``< 1``.

    Examples
    --------
    >>> check_widths([10, 20])
    (10, 20)
    """
    if hasattr(widths, "tolist") and not isinstance(widths, (str, bytes)):
        widths = widths.tolist()  # numpy arrays and scalars
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence):
        raise TypeError(f"{name} must be a non-empty sequence of positive integers, got {widths!r}")
    if len(widths) == 0:
        raise ValueError(f"{name} must be a non-empty sequence of positive integers, got []")
    out = []
    for i, w in enumerate(widths):
        if isinstance(w, bool) or not isinstance(w, Integral):
            kind = "a non-integer" if isinstance(w, Real) else "not a number"
            raise TypeError(
                f"{name}[{i}] must be a positive integer width, got {w!r} ({kind}, "
                f"{type(w).__name__})"
            )
        if int(w) < 1:
            raise ValueError(f"{name}[{i}] must be a positive integer width (>= 1), got {w!r}")
        out.append(int(w))
    return tuple(out)


def parse_real(value: object, name: str, *, minimum: float | None = 0.0) -> sympy.Expr:
    """Convert a real number exactly into a SymPy number.

    Strings: decimals (``"0.1"`` is one tenth), fractions (``"1/3"``) and ``"sqrt(r)"`` with
    a rational ``r``; floats: their exact binary value; ``Fraction``, ``int``, ``mpf`` exactly;
    SymPy numbers without free symbols as given. Text follows the strict grammar of
    :func:`asymptote._validate.parse_number` and never reaches SymPy's parser.

    Raises
    ------
    TypeError
        Not a real number (text that is no number, ``bool``, a SymPy symbol, ``None``).
    ValueError
        A number out of range: non-finite, an exponent beyond the grammar's bound, or below
        ``minimum``.

    Examples
    --------
    >>> parse_real("sqrt(2)", "sigma_w") ** 2
    2
    >>> parse_real(0.1, "x") == sympy.Rational(3602879701896397, 36028797018963968)
    True
    """
    message = (
        f"{name} must be a finite real number (int, float, Fraction, mpf, or a string such "
        f"as '0.1', '1/3', 'sqrt(2)'), got {value!r}"
    )
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a real number, got bool {value!r}")
    try:
        if isinstance(value, str):
            match = _SQRT.match(value)
            inner = match.group(1).strip() if match else value
            if not is_number_text(inner):
                raise TypeError(message)
            out = to_exact(f"sqrt({inner})" if match else value, name)
        elif isinstance(value, sympy.Basic):
            out = to_exact(value, name)
        else:  # int, Fraction, Decimal, mpf exactly; floats by their binary value
            frac = to_fraction(value, name)
            out = sympy.Rational(frac.numerator, frac.denominator)
    except TypeError:
        raise TypeError(message) from None
    if out.is_real is not True or out.is_finite is not True:
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    if minimum is not None and out < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return out  # type: ignore[no-any-return]


def _per_layer(value: object, depth: int, name: str) -> list[sympy.Expr]:
    """A scalar broadcast to ``depth`` layers, or exactly one value per layer."""
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()  # type: ignore[union-attr]
    if isinstance(value, (list, tuple)):
        if len(value) != depth:
            raise ValueError(
                f"{name} must be a scalar or have one value per layer ({depth}), got "
                f"{len(value)} values"
            )
        return [parse_real(v, f"{name}[{i}]") for i, v in enumerate(value)]
    return [parse_real(value, name)] * depth


def _check_readout(readout: str) -> bool:
    if readout not in _READOUTS:
        raise ValueError(f"readout must be one of {_READOUTS}, got {readout!r}")
    return readout == "relu"


def _check_kurtosis(value: object, name: str) -> sympy.Expr:
    out = parse_real(value, name)
    if out < 1:  # E[w^4] >= E[w^2]^2 for every law
        raise ValueError(f"{name} must be >= 1 (E[w^4] >= E[w^2]^2), got {value!r}")
    return out


class _Backend:
    """Numbers of one kind: SymPy (exact), mpmath (dps, inside workdps) or float."""

    def __init__(self, exact: bool, dps: int | None) -> None:
        if exact and dps is not None:
            raise ValueError("give either exact=True or dps=N, not both")
        self.exact = exact
        self.dps = None if dps is None else check_dps(dps)

    def __call__(self, value: Any) -> Any:
        # values here are SymPy numbers from parse_real or Python ints; text never (sympify
        # of text is eval), hence strict=True
        if isinstance(value, str):
            raise TypeError(f"internal error: text {value!r} reached the number backend")
        if self.exact:
            return sympy.sympify(value, strict=True)
        if self.dps is not None:
            digits = self.dps + GUARD_DIGITS
            number = sympy.sympify(value, strict=True).evalf(digits + 5)
            return mpmath.mpf(sympy.Float(number, digits + 5)._mpf_)
        return float(value)

    def finish(self, value: Any, name: str) -> Number:
        """``value`` as returned to the caller (``mpf`` rounded to ``dps`` digits; a float
        checked finite)."""
        if self.exact:
            return value
        if self.dps is not None:
            with mpmath.workdps(self.dps):
                return +value
        if not math.isfinite(value):
            raise OverflowError(f"{name} overflows float64; use dps=N or exact=True")
        return value

    def context(self) -> AbstractContextManager[None]:
        """The working precision (``dps`` + guard digits) for mpmath, else nothing."""
        if self.dps is not None:
            return mpmath.workdps(self.dps + GUARD_DIGITS)
        return _nullcontext()


class _nullcontext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


# ---------------------------------------------------------------------------------------
# one layer: moments of F = chi^2_K / n
# ---------------------------------------------------------------------------------------
@functools.cache
def layer_factor_moment_expr(order: int, rectified: bool = True) -> sympy.Expr:
    r""":math:`E[F^k]` for :math:`F = \chi^2_K/n`, as a rational function of the symbol ``n``.

    ``rectified=True``: :math:`K \sim \mathrm{Bin}(n, 1/2)` (a ReLU layer); ``False``:
    :math:`K = n` (a linear layer). Uses :math:`E[(\chi^2_K)^k \mid K] = \prod_{i<k}(K + 2i)`
    and the binomial factorial moments :math:`E[K^{\underline m}] = n^{\underline m} 2^{-m}`
    (powers converted by Stirling numbers of the second kind).

    Examples
    --------
    >>> layer_factor_moment_expr(2)
    (n + 5)/(4*n)
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < 0:
        raise ValueError(f"order must be an int >= 0, got {order!r}")
    n, k_sym = sympy.symbols("n K", positive=True)
    poly = sympy.Poly(sympy.prod([k_sym + 2 * i for i in range(order)]), k_sym)
    total = sympy.Integer(0)
    for (r,), c in poly.terms():
        if rectified:
            moment = sum(
                (stirling(r, m) * sympy.ff(n, m) / sympy.Integer(2) ** m for m in range(r + 1)),
                sympy.Integer(0),
            )
        else:
            moment = n**r
        total += c * moment
    return sympy.factor(sympy.expand(total) / n**order)


def layer_factor_moment(width: int, order: int, *, readout: str = "relu") -> sympy.Rational:
    """Exact :math:`E[F^k]` of one layer of the given width (a SymPy ``Rational``).

    Examples
    --------
    >>> layer_factor_moment(10, 2)
    3/8
    """
    (n,) = check_widths([width], "width")
    if isinstance(order, bool) or not isinstance(order, int) or order < 0:
        raise ValueError(f"order must be an int >= 0, got {order!r}")
    return _layer_factor_moment(n, order, _check_readout(readout))


@functools.lru_cache(maxsize=4096)
def _layer_factor_moment(n: int, order: int, rectified: bool) -> sympy.Rational:
    expr = layer_factor_moment_expr(order, rectified)
    return sympy.Rational(expr.subs(sympy.Symbol("n", positive=True), n))


# ---------------------------------------------------------------------------------------
# mean and second moment (any symmetric laws)
# ---------------------------------------------------------------------------------------
def _check_mean_positive(sw2: Sequence[Any], sb2: Sequence[Any], m0: Any) -> None:
    r"""Raise ``ValueError`` when :math:`E[M_d] = 0` exactly: the ratio would be 0/0.

    Every term of the mean recursion :math:`E M_j = \rho_j(\sigma_{w,j}^2 E M_{j-1} +
    \sigma_{b,j}^2)` is >= 0, so the mean vanishes exactly when, after the last layer with
    a bias, some layer has ``sigma_w = 0`` (or the input length is 0).
    """
    zero, cause = m0 == 0, None
    for j, (a, b) in enumerate(zip(sw2, sb2, strict=True)):
        if b != 0:
            zero, cause = False, None
        elif a == 0:
            zero, cause = True, j
    if not zero:
        return
    if cause is not None:
        raise ValueError(
            f"sigma_w must be > 0 (got 0 in layer {cause + 1}, with no bias after it): "
            f"then E[M_d] = 0 and the ratio E[M_d^2]/E[M_d]^2 is undefined (0/0)"
        )
    raise ValueError(
        "input_length must be > 0 when sigma_b = 0 in every layer: otherwise E[M_d] = 0 and "
        "the ratio E[M_d^2]/E[M_d]^2 is undefined (0/0)"
    )


@dataclass(frozen=True)
class LengthMoments:
    """Mean, second moment, variance and :math:`E[M_d^2]/E[M_d]^2` of :math:`M_d`.

    Values are SymPy numbers (``exact=True``), ``mpf`` (``dps=N``) or floats.
    """

    mean: Any
    second_moment: Any
    variance: Any
    ratio: Any

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def output_length_moments(
    widths: Sequence[int],
    sigma_w: Any,
    sigma_b: Any,
    *,
    input_length: Any = 1,
    input_width: int | None = None,
    input_fourth_moment: Any = None,
    weight_kurtosis: Any = 3,
    bias_kurtosis: Any = 3,
    readout: str = "relu",
    exact: bool = False,
    dps: int | None = None,
) -> LengthMoments:
    r"""Exact mean and variance of :math:`M_d = \|x^d\|^2/n_d` for a ReLU net at a fixed input.

    Parameters
    ----------
    widths : sequence of int
        :math:`n_1, \dots, n_d` (each >= 1).
    sigma_w, sigma_b : real or sequence of reals
        Standard deviations (weights: times :math:`\sqrt{\text{fan-in}}`), one value or one per
        layer. Strings are exact (``"sqrt(2)"`` is He initialization).
    input_length : real
        :math:`M_0 = \|x^0\|^2/n_0` (default 1).
    input_width : int, optional
        :math:`n_0`; needed only when ``weight_kurtosis != 3``.
    input_fourth_moment : real, optional
        :math:`Q_0 = \sum_k (x^0_k)^4/n_0`; needed only when ``weight_kurtosis != 3``; default
        :math:`M_0^2` (all :math:`|x^0_k|` equal, the smallest value Jensen allows).
    weight_kurtosis, bias_kurtosis : real
        :math:`E[w^4]/E[w^2]^2` of the (symmetric) weight and bias laws (3 = Gaussian).
    readout : {'relu', 'linear'}
        Whether the last layer applies the ReLU.
    exact : bool
        Return SymPy numbers (exact rationals for rational inputs).
    dps : int or None
        mpmath digits, or None for floats.

    Returns
    -------
    LengthMoments

    Raises
    ------
    ValueError, TypeError
        Bad widths or parameters (message names the parameter).
    OverflowError
        A float64 result overflows (use ``dps`` or ``exact``).

    Notes
    -----
    The recursion in the module docstring, derived here; FM1 and FM2 as in [HR18, Thm. 5].
    With Gaussian weights and zero biases ``ratio`` equals
    :math:`\prod_j (1 + 5/n_j)` exactly.

    Examples
    --------
    >>> m = output_length_moments([10, 20, 30, 40], "sqrt(2)", 0, exact=True)
    >>> m.mean, m.ratio
    (1, 315/128)
    """
    ns = check_widths(widths)
    d = len(ns)
    rectified_last = _check_readout(readout)
    sw2 = [s**2 for s in _per_layer(sigma_w, d, "sigma_w")]
    sb2 = [s**2 for s in _per_layer(sigma_b, d, "sigma_b")]
    m0 = parse_real(input_length, "input_length")
    kw = _check_kurtosis(weight_kurtosis, "weight_kurtosis")
    kb = _check_kurtosis(bias_kurtosis, "bias_kurtosis")
    if kw != 3:
        if input_width is None:
            raise ValueError(
                "input_width (n_0) is required when weight_kurtosis != 3: the second moment "
                "then depends on the fan-in of the first layer"
            )
        (n0,) = check_widths([input_width], "input_width")
    else:
        n0 = 1 if input_width is None else check_widths([input_width], "input_width")[0]
    q0 = (
        m0**2
        if input_fourth_moment is None
        else parse_real(input_fourth_moment, "input_fourth_moment")
    )
    if q0 < m0**2:
        raise ValueError(
            f"input_fourth_moment must be >= input_length^2 (Jensen), got {input_fourth_moment!r}"
        )
    _check_mean_positive(sw2, sb2, m0)
    be = _Backend(exact, dps)
    with be.context():
        one = be(1)
        mean, second, fourth = be(m0), be(m0**2), be(q0)
        fan_in = n0
        for j, n in enumerate(ns):
            rho = one / 2 if (j < d - 1 or rectified_last) else one
            a, b = be(sw2[j]), be(sb2[j])
            v_mean = a * mean + b
            v_second = a * a * second + 2 * a * b * mean + b * b
            e4 = (
                3 * a * a * second
                + (be(kw) - 3) * a * a * fourth / fan_in
                + 6 * a * b * mean
                + be(kb) * b * b
            )
            mean = rho * v_mean
            second = rho * e4 / n + (one - one / n) * rho * rho * v_second
            fourth = rho * e4
            fan_in = n
        variance = second - mean * mean
        ratio = second / (mean * mean)
        if be.exact:
            variance, ratio = sympy.simplify(variance), sympy.simplify(ratio)
        return LengthMoments(
            be.finish(mean, "mean"),
            be.finish(second, "second_moment"),
            be.finish(variance, "variance"),
            be.finish(ratio, "ratio"),
        )


# ---------------------------------------------------------------------------------------
# Gaussian weights: moments of every order, Mellin transform, zero mass, sampler
# ---------------------------------------------------------------------------------------
@overload
def output_length_moment(
    widths: Sequence[int],
    order: int,
    sigma_w: Any,
    sigma_b: Any,
    *,
    input_length: Any = ...,
    readout: str = ...,
    exact: Literal[False] = ...,
    dps: None = ...,
) -> float: ...
@overload
def output_length_moment(
    widths: Sequence[int],
    order: int,
    sigma_w: Any,
    sigma_b: Any,
    *,
    input_length: Any = ...,
    readout: str = ...,
    exact: Literal[False] = ...,
    dps: int,
) -> mpmath.mpf: ...
@overload
def output_length_moment(
    widths: Sequence[int],
    order: int,
    sigma_w: Any,
    sigma_b: Any,
    *,
    input_length: Any = ...,
    readout: str = ...,
    exact: Literal[True],
    dps: None = ...,
) -> sympy.Expr: ...
@overload
def output_length_moment(
    widths: Sequence[int],
    order: int,
    sigma_w: Any,
    sigma_b: Any,
    *,
    input_length: Any = ...,
    readout: str = ...,
    exact: bool = ...,
    dps: int | None = ...,
) -> Number: ...
def output_length_moment(
    widths: Sequence[int],
    order: int,
    sigma_w: Any,
    sigma_b: Any,
    *,
    input_length: Any = 1,
    readout: str = "relu",
    exact: bool = False,
    dps: int | None = None,
) -> Number:
    r""":math:`E[M_d^k]` for Gaussian weights and biases, any integer order ``k``.

    Parameters
    ----------
    widths : sequence of int
        Layer widths :math:`n_1..n_d` (each >= 1).
    order : int
        Order :math:`k \ge 0`.
    sigma_w, sigma_b : real, str or sequence of them
        Standard deviations (one per layer or one for all); text such as ``"sqrt(2)"``.
    input_length : real or str, default 1
        :math:`M_0`.
    readout : {'relu', 'linear'}, default 'relu'
        Activation of the last layer.
    exact : bool, default False
        Return a SymPy number (rational inputs give rationals).
    dps : int or None, default None
        ``None``: float; int: mpmath at that many digits (not with ``exact``).

    Returns
    -------
    float, mpf or sympy.Expr
        ``float`` by default, ``mpf`` with ``dps=int``, a SymPy number with ``exact=True``.

    Raises
    ------
    ValueError
        Negative ``order``, bad widths or standard deviations, or both ``exact`` and ``dps``.
    OverflowError
        The float result overflows (use ``dps`` or ``exact``).

    Notes
    -----
    Given :math:`M_{j-1}`, :math:`M_j = (\sigma_w^2 M_{j-1} + \sigma_b^2) F_j` with
    :math:`F_j` independent of the past (module docstring), so
    :math:`E[M_j^k] = E[F_j^k] \sum_i \binom{k}{i} \sigma_w^{2i} \sigma_b^{2(k-i)} E[M_{j-1}^i]`.

    Examples
    --------
    >>> output_length_moment([4, 4], 3, "sqrt(2)", 0, exact=True)
    225/4
    """
    return layer_length_moments(
        widths, order, sigma_w, sigma_b, input_length=input_length, readout=readout,
        exact=exact, dps=dps,
    )[-1]


def layer_length_moments(
    widths: Sequence[int],
    order: int,
    sigma_w: Any,
    sigma_b: Any,
    *,
    input_length: Any = 1,
    readout: str = "relu",
    exact: bool = False,
    dps: int | None = None,
) -> list[Any]:
    r""":math:`E[M_j^k]` for every layer :math:`j = 0, \dots, d` (Gaussian weights and biases).

    The same recursion as :func:`output_length_moment` (which returns the last entry), kept
    layer by layer: entry ``j`` is the moment of :math:`M_j = \|x^j\|^2/n_j`, entry 0 the
    input's :math:`M_0^k`. Parameters, return types and errors as there (a list of ``d + 1``
    numbers). Used for statistics across layers, e.g. the empirical variance of [HR18, FM2]
    (:mod:`asymptote.finite_width.empirical_variance`).

    Examples
    --------
    >>> layer_length_moments([10, 20], 2, "sqrt(2)", 0, exact=True)
    [1, 3/2, 15/8]
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < 0:
        raise ValueError(f"order must be an int >= 0, got {order!r}")
    ns = check_widths(widths)
    d = len(ns)
    rectified_last = _check_readout(readout)
    sw2 = [s**2 for s in _per_layer(sigma_w, d, "sigma_w")]
    sb2 = [s**2 for s in _per_layer(sigma_b, d, "sigma_b")]
    m0 = parse_real(input_length, "input_length")
    be = _Backend(exact, dps)
    with be.context():
        moments = [be(m0**i) for i in range(order + 1)]
        rows = [moments[order]]
        for j, n in enumerate(ns):
            rectified = j < d - 1 or rectified_last
            a, b = be(sw2[j]), be(sb2[j])
            new = []
            for k in range(order + 1):
                fk = be(layer_factor_moment(n, k, readout="relu" if rectified else "linear"))
                mixed = sum(
                    (be(math.comb(k, i)) * a**i * b ** (k - i) * moments[i] for i in range(k + 1)),
                    be(0),
                )
                new.append(fk * mixed)
            moments = new
            rows.append(moments[order])
        return [be.finish(v, f"E[M_{j}^{order}]") for j, v in enumerate(rows)]


def output_length_mellin(
    widths: Sequence[int],
    s: Any,
    sigma_w: Any,
    *,
    input_length: Any = 1,
    readout: str = "relu",
    dps: int = 30,
) -> mpmath.mpf:
    r"""Mellin transform :math:`E[M_d^s]` (real :math:`s > 0`) for Gaussian weights, no biases.

    The Mellin transform determines the law of :math:`M_d` on :math:`(0, \infty)`; it is a
    product over layers, hence invariant under reordering of the widths.

    Notes
    -----
    :math:`E[(\chi^2_K)^s] = 2^s\Gamma(K/2 + s)/\Gamma(K/2)` for :math:`K \ge 1` (0 for
    :math:`K = 0`), averaged over :math:`K \sim \mathrm{Bin}(n, 1/2)`.

    Examples
    --------
    >>> round(float(output_length_mellin([3], 2, "sqrt(2)")), 12)  # = 4 E[F^2] = 1 + 5/3
    2.666666666667
    """
    ns = check_widths(widths)
    d = len(ns)
    rectified_last = _check_readout(readout)
    sw2 = [x**2 for x in _per_layer(sigma_w, d, "sigma_w")]
    dps = check_dps(dps)
    be = _Backend(False, dps)
    with be.context():
        ss = be(parse_real(s, "s"))
        if ss <= 0:
            raise ValueError(f"s must be > 0, got {s!r}")
        total = be(parse_real(input_length, "input_length")) ** ss
        for j, n in enumerate(ns):
            two_over_n = mpmath.mpf(2) / n
            if j < d - 1 or rectified_last:
                acc = mpmath.mpf(0)
                for k in range(1, n + 1):
                    log_w = (
                        mpmath.loggamma(n + 1)
                        - mpmath.loggamma(k + 1)
                        - mpmath.loggamma(n - k + 1)
                        - n * mpmath.log(2)
                    )
                    acc += mpmath.exp(
                        log_w
                        + mpmath.loggamma(mpmath.mpf(k) / 2 + ss)
                        - mpmath.loggamma(mpmath.mpf(k) / 2)
                    )
            else:
                acc = mpmath.exp(
                    mpmath.loggamma(mpmath.mpf(n) / 2 + ss) - mpmath.loggamma(mpmath.mpf(n) / 2)
                )
            total *= be(sw2[j]) ** ss * two_over_n**ss * acc
        return be.finish(total, "E[M_d^s]")


def probability_dead(widths: Sequence[int]) -> sympy.Rational:
    r"""Exact :math:`P(M_d = 0) = 1 - \prod_j (1 - 2^{-n_j})` (no biases, ReLU on every layer).

    A layer with all pre-activations negative kills the signal for good; this happens with
    probability :math:`2^{-n_j}` independently per layer (module docstring).

    Examples
    --------
    >>> probability_dead([1, 1])
    3/4
    """
    ns = check_widths(widths)
    alive = sympy.prod([1 - sympy.Rational(1, 2**n) for n in ns])
    return sympy.Rational(1 - alive)


def sample_output_length(
    widths: Sequence[int],
    sigma_w: Any,
    *,
    input_length: Any = 1,
    readout: str = "relu",
    samples: int = 1000,
    seed: int = 0,
) -> np.ndarray:
    r"""Exact samples of :math:`M_d` from the product law (Gaussian weights, no biases).

    Draws :math:`K_j \sim \mathrm{Bin}(n_j, 1/2)` and :math:`\chi^2_{K_j}` per layer with a
    ``numpy.random.Generator(PCG64(seed))``; costs :math:`O(d)` per sample instead of a network.

    Examples
    --------
    >>> sample_output_length([10, 10], "sqrt(2)", samples=3, seed=1).shape
    (3,)
    """
    ns = check_widths(widths)
    d = len(ns)
    rectified_last = _check_readout(readout)
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise ValueError(f"samples must be an int >= 1, got {samples!r}")
    sw2 = [float(x**2) for x in _per_layer(sigma_w, d, "sigma_w")]
    rng = np.random.default_rng(seed)
    out = np.full(samples, float(parse_real(input_length, "input_length")))
    for j, n in enumerate(ns):
        if j < d - 1 or rectified_last:
            dof = rng.binomial(n, 0.5, size=samples)
        else:
            dof = np.full(samples, n)
        chi2 = np.where(dof > 0, 2.0 * rng.standard_gamma(np.maximum(dof, 1) / 2.0), 0.0)
        out *= sw2[j] * chi2 / n
    return out


# ---------------------------------------------------------------------------------------
# FM1 / FM2 summary
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FailureModes:
    r"""FM1 and FM2 of [HR18] for a ReLU net with Gaussian weights and no biases.

    Attributes
    ----------
    mean_ratio : :math:`E[M_d]/M_0 = \prod_j \sigma_{w,j}^2/2` (FM1 unless it stays near 1)
    second_moment_ratio : :math:`E[M_d^2]/E[M_d]^2 = \prod_j(1 + 5/n_j)` (FM2 constant 5)
    sum_reciprocal_widths : :math:`\beta = \sum_j 1/n_j`
    lower_bound, upper_bound : :math:`e^{5\beta - \frac{25}{2}\sum n_j^{-2}}` and
        :math:`e^{5\beta}`, bracketing ``second_moment_ratio``
    probability_dead : :math:`P(M_d = 0)`
    """

    mean_ratio: Any
    second_moment_ratio: Any
    sum_reciprocal_widths: Any
    lower_bound: Any
    upper_bound: Any
    probability_dead: Any

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def failure_modes(
    widths: Sequence[int], sigma_w: Any, *, readout: str = "relu", dps: int | None = None
) -> FailureModes:
    r"""FM1 and FM2 quantities (exact products, then ``dps`` digits or float).

    Notes
    -----
    Derived in the module docstring; FM1, FM2 as defined in [HR18, Sec. 1, Thm. 5]. The
    bounds use :math:`x - x^2/2 \le \log(1 + x) \le x` for :math:`x = 5/n_j`.

    Examples
    --------
    >>> fm = failure_modes([10, 20, 30, 40], "sqrt(2)")
    >>> fm.mean_ratio, round(fm.second_moment_ratio, 6), round(fm.upper_bound, 6)
    (1.0, 2.460938, 2.833936)
    """
    ns = check_widths(widths)
    d = len(ns)
    rectified_last = _check_readout(readout)
    sw2 = [x**2 for x in _per_layer(sigma_w, d, "sigma_w")]
    zero = [j + 1 for j, s in enumerate(sw2) if s == 0]
    if zero:
        raise ValueError(
            f"sigma_w must be > 0 (got 0 in layer {zero[0]}): without biases E[M_d] = 0, so "
            f"the ratio E[M_d^2]/E[M_d]^2 is undefined (0/0)"
        )
    mean_ratio = (
        sympy.prod([s / 2 for s in sw2])
        if rectified_last
        else sympy.prod([s / 2 for s in sw2[:-1]]) * sw2[-1]
    )
    factors = [1 + sympy.Rational(5, n) for n in ns]
    if not rectified_last:
        factors[-1] = 1 + sympy.Rational(2, ns[-1])
    ratio = sympy.prod(factors)
    beta = sum((sympy.Rational(1, n) for n in ns), sympy.Integer(0))
    beta2 = sum((sympy.Rational(1, n * n) for n in ns), sympy.Integer(0))
    be = _Backend(False, dps)
    with be.context():
        if dps is None:
            lower = math.exp(5 * float(beta) - 12.5 * float(beta2))
            upper = math.exp(5 * float(beta))
        else:
            lower = mpmath.exp(5 * be(beta) - be(sympy.Rational(25, 2) * beta2))
            upper = mpmath.exp(5 * be(beta))
        values = [mean_ratio, ratio, beta]
        converted = [be(v) for v in values]
        dead = (
            be(probability_dead(ns))
            if rectified_last
            else be(probability_dead(ns[:-1]) if d > 1 else 0)
        )
        return FailureModes(
            be.finish(converted[0], "mean_ratio"),
            be.finish(converted[1], "second_moment_ratio"),
            be.finish(converted[2], "sum_reciprocal_widths"),
            be.finish(lower, "lower_bound"),
            be.finish(upper, "upper_bound"),
            be.finish(dead, "probability_dead"),
        )
