r"""Double-double arithmetic for compiled (numba) loops: a value is an unevaluated sum
``hi + lo`` of two float64 numbers with :math:`|lo| \le \tfrac12\,\mathrm{ulp}(hi)`, about
106 bits.

The error-free transformations are the classical ones: Knuth's two-sum (exact
:math:`a + b = s + e`), the fast two-sum for :math:`|a| \ge |b|` (Dekker), and the product
:math:`a b = p + e` with :math:`e = \mathrm{fma}(a, b, -p)` (exact with a fused multiply-add;
see J.-M. Muller et al., *Handbook of Floating-Point Arithmetic*, 2nd ed., Birkhauser 2018,
Sec. 4.3-4.4 and 14.2). The fused multiply-add is LLVM's ``llvm.fma.f64`` intrinsic,
correctly rounded whether or not the processor has the instruction. The loops that use these
helpers are compiled without ``fastmath``, so LLVM neither reassociates nor contracts them.

Relative error of the composite operations (same reference, Sec. 14.2): addition and
multiplication of double-double numbers about :math:`4u^2`, :math:`u = 2^{-53}`.
"""

from __future__ import annotations

import math
from typing import Any

import numba
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

__all__ = [
    "dd_add",
    "dd_add_d",
    "dd_mul",
    "dd_mul_d",
    "dd_sqrt",
    "fma",
    "two_prod",
    "two_sum",
]


@intrinsic
def _fma(typingctx: Any, a: Any, b: Any, c: Any) -> Any:  # pragma: no cover - codegen
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        double = ir.DoubleType()
        fnty = ir.FunctionType(double, [double, double, double])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.fma.f64")
        return builder.call(fn, args)

    return sig, codegen


@numba.njit(cache=True)
def fma(a: float, b: float, c: float) -> float:
    """``a * b + c`` rounded once."""
    return _fma(a, b, c)  # type: ignore[no-any-return,call-arg]


@numba.njit(cache=True)
def two_sum(a: float, b: float) -> tuple[float, float]:
    """``(s, e)`` with ``s = fl(a + b)`` and ``a + b = s + e`` exactly (Knuth)."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


@numba.njit(cache=True)
def _fast_two_sum(a: float, b: float) -> tuple[float, float]:
    s = a + b
    return s, b - (s - a)


@numba.njit(cache=True)
def two_prod(a: float, b: float) -> tuple[float, float]:
    """``(p, e)`` with ``p = fl(a b)`` and ``a b = p + e`` exactly (with the fused multiply-add)."""
    p = a * b
    return p, _fma(a, b, -p)  # type: ignore[call-arg]


@numba.njit(cache=True)
def dd_add(ah: float, al: float, bh: float, bl: float) -> tuple[float, float]:
    """``(ah + al) + (bh + bl)`` as a double-double."""
    s, e = two_sum(ah, bh)
    t, f = two_sum(al, bl)
    e += t
    s, e = _fast_two_sum(s, e)
    e += f
    return _fast_two_sum(s, e)


@numba.njit(cache=True)
def dd_add_d(ah: float, al: float, b: float) -> tuple[float, float]:
    """``(ah + al) + b`` as a double-double."""
    s, e = two_sum(ah, b)
    e += al
    return _fast_two_sum(s, e)


@numba.njit(cache=True)
def dd_mul(ah: float, al: float, bh: float, bl: float) -> tuple[float, float]:
    """``(ah + al)(bh + bl)`` as a double-double."""
    p, e = two_prod(ah, bh)
    e += ah * bl + al * bh
    return _fast_two_sum(p, e)


@numba.njit(cache=True)
def dd_mul_d(ah: float, al: float, b: float) -> tuple[float, float]:
    """``(ah + al) b`` as a double-double."""
    p, e = two_prod(ah, b)
    e += al * b
    return _fast_two_sum(p, e)


@numba.njit(cache=True)
def dd_sqrt(ah: float, al: float) -> tuple[float, float]:
    r""":math:`\sqrt{ah + al}` as a double-double (one Newton step from the float64 root)."""
    if ah <= 0.0:
        return 0.0, 0.0
    s = math.sqrt(ah)
    p, e = two_prod(s, s)
    r = ((ah - p) - e + al) / (2.0 * s)
    return _fast_two_sum(s, r)
