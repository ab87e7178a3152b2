r"""Data model of a claim: what a paper states, what we expect, how we check it.

A :class:`Claim` is data (frozen): an identifier, a citation (a key of
:data:`asymptote.references.REFERENCES` plus theorem/equation/figure), a paraphrased
statement, the :class:`Expected` value with its provenance, a :class:`Check` that measures
the library's value by one of four routes (:data:`CHECK_KINDS`), the reason the tolerance
holds, and a status: ``"holds"`` or ``"discrepancy"`` (the check is *expected to fail*; the
note and evidence say why). A discrepancy is recorded, never dropped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

import mpmath
import sympy

__all__ = [
    "CHECK_KINDS",
    "Check",
    "Claim",
    "Expected",
    "Measurement",
    "Step",
    "evaluate_expected",
]

#: The four routes by which a claim can be checked.
CHECK_KINDS: tuple[str, ...] = (
    "symbolic identity",
    "high-precision comparison",
    "exponent fit",
    "Monte Carlo z-score",
)

#: One step of a derivation: (text, SymPy expression or LaTeX string or None).
Step = tuple[str, Any]

Status = Literal["holds", "discrepancy"]


#: Results per (callable, arguments), kept for the process: both sides of a check are
#: deterministic (fixed precision, fixed seeds), so re-running a claim (e.g. with a mutated
#: expected value in the meta-tests) does not recompute them.
_MEMO: dict[tuple[int, Any], Any] = {}


_R = TypeVar("_R")


def memo(fn: Callable[..., _R], *args: Any, call: Callable[..., _R] | None = None) -> _R:
    """``(call or fn)(*args)``, computed once per ``(fn, args)`` in this process."""
    key = (id(fn), args)
    if key not in _MEMO:
        _MEMO[key] = (fn, (call or fn)(*args))  # keep fn alive so its id is not reused
    return _MEMO[key][1]


@dataclass(frozen=True)
class Expected:
    """The expected value of a claim and where it comes from.

    ``value`` is a SymPy expression, a number, a decimal string, or a callable
    ``reference(dps) -> mpf`` computing it by an independent route (quadrature, a
    formula written out again in the proofs module, ...). ``provenance`` says which.
    ``mutation`` exists only for meta-tests (:meth:`Claim.mutated`): the value used is then
    ``value * (1 + mutation)``, or ``mutation`` itself where the value is 0.
    """

    value: Any
    provenance: str
    mutation: str | None = None

    def perturbed(self, relative: str = "0.05") -> Expected:
        """A copy off by the factor ``1 + relative`` (or equal to ``relative`` where it is 0)."""
        return replace(self, mutation=relative)

    @property
    def is_symbolic(self) -> bool:
        return isinstance(self.value, sympy.Basic)

    def symbolic(self) -> sympy.Expr:
        """The expected value as a SymPy expression (mutation included)."""
        base = self.value if isinstance(self.value, sympy.Basic) else sympy.sympify(self.value)
        if self.mutation is None:
            return base
        r = sympy.Rational(self.mutation)
        return r if base == 0 else base * (1 + r)

    def describe(self) -> str:
        if callable(self.value) and not isinstance(self.value, sympy.Basic):
            return f"[{self.provenance}]"
        text = str(self.value)
        return text if len(text) <= 40 else text[:37] + "..."


def evaluate_expected(expected: Expected, dps: int) -> mpmath.mpf:
    """Numeric value of ``expected`` at ``dps`` digits (an mpf; call inside a precision context)."""
    value = expected.value
    if callable(value) and not isinstance(value, sympy.Basic):
        base = memo(value, dps)
    elif isinstance(value, sympy.Basic):
        base = mpmath.mpf(sympy.N(value, dps + 10).evalf(dps + 10))
    else:
        base = mpmath.mpf(value) if not isinstance(value, mpmath.mpf) else value
    if expected.mutation is None:
        return base
    r = mpmath.mpf(expected.mutation)
    return r if base == 0 else base * (1 + r)


@dataclass(frozen=True)
class Measurement:
    """What a check measured.

    ``margin`` is in ``margin_unit``: ``"digits"`` (agreeing significant digits; larger is
    better) or ``"sigma"`` (absolute z-score; smaller is better). ``passed`` says whether the
    tolerance was met; ``details`` is one human-readable line.
    """

    measured: Any
    expected: Any
    margin: float
    margin_unit: str
    passed: bool
    details: str = ""

    def margin_text(self) -> str:
        if self.margin_unit == "digits":
            return "exact" if math.isinf(self.margin) else f"{self.margin:.1f} digits"
        return f"{self.margin:.2f} sigma"


@runtime_checkable
class Check(Protocol):
    """A route that measures a claim: ``run(expected)`` returns a :class:`Measurement`."""

    @property
    def kind(self) -> str: ...

    def run(self, expected: Expected) -> Measurement: ...

    def tolerance_text(self) -> str: ...


@dataclass(frozen=True)
class Claim:
    """One checkable statement of a source.

    Parameters
    ----------
    id : str
        ``"SOURCE/topic/what"``, unique, e.g. ``"PLRSG16/length-map/fixed-point"``.
    source : str
        Citation key of :data:`asymptote.references.REFERENCES`.
    location : str
        Theorem, equation, section or figure in the source (``"eq. (4)"``).
    statement : str
        The statement, paraphrased (never copied).
    expected : Expected
    check : Check
    tolerance_why : str
        Why the check's tolerance holds (error budget of both routes).
    quick : bool
        Part of ``asymptote verify --quick`` (the quick set runs in under a minute).
    status : ``"holds"`` or ``"discrepancy"``
        A discrepancy is a claim of the source that the toolkit finds false: its check is
        expected to fail, and ``note`` / ``evidence`` must say what was found.
    derivation : callable, optional
        ``derivation() -> list[(text, sympy-expr-or-latex)]`` for ``asymptote derive``.
    """

    id: str
    source: str
    location: str
    statement: str
    expected: Expected
    check: Check
    tolerance_why: str
    quick: bool = True
    status: Status = "holds"
    note: str = ""
    evidence: str = ""
    derivation: Callable[[], Sequence[Step]] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.id.count("/") < 1 or " " in self.id:
            raise ValueError(f"claim id must look like 'SOURCE/topic/what', got {self.id!r}")
        if getattr(self.check, "kind", None) not in CHECK_KINDS:
            raise ValueError(
                f"claim {self.id}: check kind must be one of {CHECK_KINDS}, "
                f"got {getattr(self.check, 'kind', None)!r}"
            )
        if self.status not in ("holds", "discrepancy"):
            raise ValueError(
                f"claim {self.id}: status must be 'holds' or 'discrepancy', got {self.status!r}"
            )
        if self.status == "discrepancy" and not (self.note and self.evidence):
            raise ValueError(f"claim {self.id}: a discrepancy needs a note and evidence")
        if not self.statement or not self.tolerance_why:
            raise ValueError(f"claim {self.id}: statement and tolerance_why are required")

    @property
    def citation(self) -> str:
        return f"[{self.source}, {self.location}]"

    def mutated(self, relative: str = "0.05") -> Claim:
        """The same claim with its expected value off by ``relative`` (for meta-tests)."""
        return replace(self, expected=self.expected.perturbed(relative))

    def measure(self) -> Measurement:
        """Run the check against this claim's expected value."""
        return self.check.run(self.expected)
