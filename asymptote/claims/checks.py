r"""The four check routes of a claim: symbolic identity, high-precision comparison,
exponent fit and Monte Carlo z-score.

Each check is a frozen dataclass with ``kind`` and ``run(expected) -> Measurement``; the
measured side is computed by a callable the proofs module supplies, the expected side comes
from the claim's :class:`~asymptote.claims._model.Expected` (so mutating the expected value
in a meta-test must make the check fail).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import mpmath
import numpy as np
import sympy

from .._precision import workdps
from ._model import Expected, Measurement, evaluate_expected, memo

__all__ = ["ExponentFit", "HighPrecision", "MonteCarlo", "SymbolicIdentity", "digits_of_agreement"]


def digits_of_agreement(measured: Any, expected: Any, scale: Any) -> float:
    """``-log10(|measured - expected| / scale)``; ``inf`` when they are equal."""
    err = abs(mpmath.mpf(measured) - mpmath.mpf(expected))
    if err == 0:
        return math.inf
    return float(-mpmath.log10(err / scale))


def _scale_of(expected: Any, kind: str) -> Any:
    if kind == "relative":
        return abs(expected) if expected != 0 else mpmath.mpf(1)
    if kind == "max1":
        return max(mpmath.mpf(1), abs(expected))
    return mpmath.mpf(1)


@dataclass(frozen=True)
class HighPrecision:
    """Compare ``measure(dps)`` with the expected value at ``dps`` digits.

    Passes when ``|measured - expected| <= 10**-digits * scale`` with ``scale`` = ``|expected|``
    (``"relative"``), 1 (``"absolute"``) or ``max(1, |expected|)`` (``"max1"``).
    """

    measure: Callable[[int], Any]
    digits: float
    dps: int = 30
    scale: Literal["relative", "absolute", "max1"] = "relative"
    kind: str = field(default="high-precision comparison", init=False)

    def run(self, expected: Expected) -> Measurement:
        with workdps(self.dps):
            measured = memo(self.measure, self.dps)
            value = evaluate_expected(expected, self.dps)
            scale = _scale_of(value, self.scale)
            margin = digits_of_agreement(measured, value, scale)
            passed = bool(abs(measured - value) <= mpmath.mpf(10) ** (-self.digits) * scale)
            shown = max(8, min(self.dps, 20))
            return Measurement(
                measured=mpmath.nstr(measured, shown),
                expected=mpmath.nstr(value, shown),
                margin=margin,
                margin_unit="digits",
                passed=passed,
                details=f"{self.scale} error {mpmath.nstr(abs(measured - value) / scale, 3)}"
                f" vs tolerance 1e-{self.digits:g} at {self.dps} digits",
            )

    def tolerance_text(self) -> str:
        return f"{self.digits:g} digits ({self.scale}) at dps={self.dps}"


@dataclass(frozen=True)
class SymbolicIdentity:
    """``compute()`` returns a SymPy expression that must equal the expected one.

    SymPy's ``simplify`` of the difference decides; if it cannot reduce the difference to 0,
    the difference is evaluated at ``points`` (a list of substitutions) at ``dps`` digits and
    the identity passes only if it vanishes there to ``dps - 5`` digits (the details say so).
    """

    compute: Callable[[], sympy.Expr]
    points: tuple[Mapping[str, Any], ...] = ()
    dps: int = 50
    kind: str = field(default="symbolic identity", init=False)

    def run(self, expected: Expected) -> Measurement:
        lhs = sympy.sympify(self.compute())
        rhs = expected.symbolic()
        difference = sympy.simplify(lhs - rhs)
        shown_l, shown_r = _short(lhs), _short(rhs)
        if difference == 0:
            return Measurement(
                shown_l, shown_r, math.inf, "digits", True, "simplify(lhs - rhs) = 0"
            )
        if not self.points:
            return Measurement(
                shown_l, shown_r, 0.0, "digits", False, f"lhs - rhs = {_short(difference)}"
            )
        worst = math.inf
        for point in self.points:
            subs = {sympy.Symbol(k, **_assumptions(difference, k)): v for k, v in point.items()}
            value = sympy.N(difference.subs(subs), self.dps)
            scale = max(1, abs(sympy.N(rhs.subs(subs), self.dps)))
            if value == 0:
                continue
            worst = min(worst, float(-sympy.log(abs(value) / scale, 10)))
        passed = worst >= self.dps - 5
        return Measurement(
            shown_l,
            shown_r,
            worst,
            "digits",
            passed,
            f"simplify inconclusive; difference at {len(self.points)} points: "
            f"{'<' if passed else '>'} 1e-{self.dps - 5}",
        )

    def tolerance_text(self) -> str:
        return "exact (simplify = 0)" + (
            f" or {self.dps - 5} digits at {len(self.points)} points" if self.points else ""
        )


def _assumptions(expr: sympy.Expr, name: str) -> dict[str, bool]:
    for s in expr.free_symbols:
        if s.name == name:
            return dict(s.assumptions0)
    return {}


def _short(expr: Any) -> str:
    text = str(expr)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class ExponentFit:
    """Fit the exponent of a depth law from a trajectory and compare with the expected one.

    ``trajectory()`` returns ``(depths, values)`` (positive values). ``law``:
    ``"exponential"`` fits the slope of ``ln values`` against depth (the expected value is
    that slope, e.g. :math:`\\ln\\chi_c = -1/\\xi_c`); ``"power"`` fits the slope against
    ``ln depth``. Only points with ``window[0] <= values <= window[1]`` (relative to
    ``window_reference``, default 1) enter a least-squares line. Passes when
    ``|fitted - expected| <= abs_tol``.
    """

    trajectory: Callable[[], tuple[np.ndarray, np.ndarray]]
    abs_tol: float
    law: Literal["exponential", "power"] = "exponential"
    window: tuple[float, float] = (0.0, math.inf)
    kind: str = field(default="exponent fit", init=False)

    def fit(self) -> tuple[float, int, np.ndarray, np.ndarray]:
        depths, values = memo(self.trajectory)
        depths = np.asarray(depths, dtype=float)
        values = np.asarray(values, dtype=float)
        keep = (values >= self.window[0]) & (values <= self.window[1]) & (values > 0)
        if keep.sum() < 3:
            raise ValueError(
                f"exponent fit needs >= 3 points inside the window {self.window}, got "
                f"{int(keep.sum())}"
            )
        x = depths[keep] if self.law == "exponential" else np.log(depths[keep])
        slope = float(np.polyfit(x, np.log(values[keep]), 1)[0])
        return slope, int(keep.sum()), depths, values

    def run(self, expected: Expected) -> Measurement:
        slope, n, _, _ = self.fit()
        with workdps(30):
            value = evaluate_expected(expected, 30)
            margin = digits_of_agreement(slope, value, _scale_of(value, "relative"))
            passed = bool(abs(mpmath.mpf(slope) - value) <= self.abs_tol)
            return Measurement(
                measured=f"{slope:.10g}",
                expected=mpmath.nstr(value, 12),
                margin=margin,
                margin_unit="digits",
                passed=passed,
                details=f"{self.law} fit over {n} depths; |fit - expected| = "
                f"{float(abs(mpmath.mpf(slope) - value)):.3g} vs tolerance {self.abs_tol:g}",
            )

    def tolerance_text(self) -> str:
        return f"|fit - expected| <= {self.abs_tol:g}"


@dataclass(frozen=True)
class MonteCarlo:
    """Monte Carlo estimate ``sample(rng) -> (mean, standard_error)`` against the expected value.

    Passes when ``|mean - expected| <= z_max * standard_error + bias`` (``bias``: the stated
    systematic error, e.g. a finite-width correction; 0 when the estimator is unbiased).
    The margin is the z-score ``|mean - expected| / standard_error``. The seed is fixed.
    """

    sample: Callable[[np.random.Generator], tuple[float, float]]
    seed: int
    z_max: float = 4.0
    bias: float = 0.0
    kind: str = field(default="Monte Carlo z-score", init=False)

    def run(self, expected: Expected) -> Measurement:
        mean, stderr = memo(
            self.sample, self.seed, call=lambda seed: self.sample(np.random.default_rng(seed))
        )
        with workdps(20):
            value = float(evaluate_expected(expected, 20))
        gap = abs(mean - value)
        z = gap / stderr if stderr > 0 else math.inf
        passed = gap <= self.z_max * stderr + self.bias
        return Measurement(
            measured=f"{mean:.6g} +- {stderr:.2g}",
            expected=f"{value:.10g}",
            margin=z,
            margin_unit="sigma",
            passed=bool(passed),
            details=f"seed {self.seed}; |z| = {z:.2f} (limit {self.z_max:g}"
            + (f" plus bias {self.bias:g})" if self.bias else ")"),
        )

    def tolerance_text(self) -> str:
        return f"|z| <= {self.z_max:g}" + (f" + bias {self.bias:g}" if self.bias else "")
