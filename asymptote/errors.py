"""Exceptions raised by asymptote."""

from __future__ import annotations

__all__ = ["ConvergenceError"]


class ConvergenceError(ArithmeticError):
    """An iteration, root search or quadrature did not reach the requested accuracy.

    Attributes
    ----------
    iterations : int or None
        Iterations (or quadrature levels) spent.
    residual : object or None
        Last residual or error estimate.
    bracket : tuple or None
        Last bracket ``(lo, hi)`` of a root search, when one was available.
    """

    def __init__(
        self,
        message: str,
        *,
        iterations: int | None = None,
        residual: object | None = None,
        bracket: tuple[object, object] | None = None,
    ) -> None:
        details = []
        if iterations is not None:
            details.append(f"iterations={iterations}")
        if residual is not None:
            details.append(f"residual={residual}")
        if bracket is not None:
            details.append(f"bracket=({bracket[0]}, {bracket[1]})")
        full = message if not details else f"{message} [{', '.join(details)}]"
        super().__init__(full)
        self.iterations = iterations
        self.residual = residual
        self.bracket = bracket
