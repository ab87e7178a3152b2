r"""Numeric backends: one algorithm, float64 or mpmath, chosen by ``dps``.

A backend is a small context object in the style of mpmath's contexts (``mp``, ``fp``,
``iv``). An algorithm written once against it -- input conversion, numpy-style elementwise
arithmetic on what :meth:`~Backend.array` returns, the Gaussian transforms through
:meth:`~Backend.transform`, the result through :meth:`~Backend.finish` -- runs in either
precision:

======================  ============================  =========================================
                        :class:`Float64Backend`       :class:`MpmathBackend`
======================  ============================  =========================================
``backend(dps)``        ``dps=None``                  ``dps=int``
numbers                 ``float`` / float64 arrays    ``mpf`` / numpy object arrays of ``mpf``
:meth:`number`          strict grammar, then float    exact, rounded once to the working
                                                      precision (``"0.1"`` is one tenth)
:meth:`transform`       vectorized numpy call         elementwise, each at :attr:`inner` digits
:meth:`working`         nothing to enter              ``workdps(dps + GUARD_DIGITS)``
:meth:`finish`          ``float`` or ndarray          rounded once to ``dps``: ``mpf`` or
                                                      ``mpmath.matrix``
======================  ============================  =========================================

**The guard-digit policy** (one place): the mpmath backend computes at
``dps + GUARD_DIGITS`` digits (:data:`asymptote._precision.GUARD_DIGITS` = 12), and a nested
library call made from inside that context (a transform, a fixed point) is asked for
:attr:`MpmathBackend.inner` = ``dps + GUARD_DIGITS // 2`` digits. The nested call itself works
with its own ``GUARD_DIGITS`` more and rounds its result once to ``inner`` digits, so each
nested value enters with relative error :math:`\le 10^{-(\mathrm{dps} + 6)}`: six digits of
room for the amplification by a few dozen layers of well-conditioned maps before the one
final rounding to ``dps`` in :meth:`finish`, while the arithmetic between nested calls runs
at ``dps + 12``. Nothing else adds guard digits.

A third backend (interval or ball arithmetic, e.g. python-flint's ``arb``) needs only these
methods, numbers with ``+ - * /`` and ``**`` that numpy object arrays can broadcast, and a
:attr:`~Backend.modules` entry for :func:`sympy.lambdify`; the algorithms do not change.

Examples
--------
>>> import mpmath
>>> b = backend(50)
>>> with b.working():
...     x = b.number("0.1", "x")
...     exact = x * 10 == 1
>>> exact, mpmath.mp.dps
(True, 15)
>>> b.finish(b.transform("V", "relu", b.array([2, 4], "q")))
matrix(
[['1.0'],
 ['2.0']])
>>> backend(None).transform("V", "relu", backend(None).array([2, 4], "q"))
array([1., 2.])
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import mpmath
import numpy as np

from ._precision import GUARD_DIGITS, check_dps, round_mpf, to_float, to_mpf
from ._validate import real_array, show_value, standard_deviation

__all__ = ["Backend", "Float64Backend", "MpmathBackend", "backend", "FLOAT64"]



class Backend:
    """Interface shared by the backends (see the module docstring)."""

    #: requested decimal digits (``None`` for float64)
    dps: int | None = None
    #: digits to ask of nested library calls (``None`` for float64)
    inner: int | None = None
    #: element type of :meth:`array` results
    dtype: Any = float
    #: whether a "number" may be an array broadcast over (float64 parameter grids)
    vectorized: bool = False
    #: ``modules`` argument of :func:`sympy.lambdify` for this backend's numbers
    modules: tuple[str, ...] = ()

    def working(self) -> contextlib.AbstractContextManager[None]:
        """Context in which to compute: the backend's working precision."""
        raise NotImplementedError

    def number(self, value: object, name: str) -> Any:
        """One real number, converted exactly where the backend can (strict text grammar)."""
        raise NotImplementedError

    def array(self, values: object, name: str) -> np.ndarray:
        """An array of real numbers (float64, or object array of the backend's numbers)."""
        raise NotImplementedError

    def numbers(self, value: object, name: str) -> Any:
        """A number, or on a vectorized backend an array of numbers (a parameter grid)."""
        return self.array(value, name) if self.vectorized else self.number(value, name)

    def standard_deviation(self, value: object, name: str, *, grid: bool = False) -> Any:
        """A standard deviation (``>= 0``): :meth:`number`, or :meth:`numbers` if ``grid``."""
        raise NotImplementedError

    def zeros(self, shape: int | tuple[int, ...]) -> np.ndarray:
        """An array of zeros of the backend's numbers."""
        raise NotImplementedError

    def apply(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args, dps=...)`` elementwise over broadcast arguments.

        ``fn`` is a library function with the ``dps`` keyword (``None``: vectorized float64).
        """
        raise NotImplementedError

    def transform(self, key: str, act: Any, *args: Any) -> Any:
        """The Gaussian transform ``key`` of :func:`asymptote.transforms.transform`,
        elementwise over broadcast arguments."""
        from .transforms import transform

        return self.apply(functools.partial(transform, key, act), *args)

    def dot(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Inner products of the rows of ``a`` with the rows of ``b`` (``a @ b.T``)."""
        raise NotImplementedError

    def dot_rows(self, a: np.ndarray) -> np.ndarray:
        """Each row of ``a`` with itself."""
        raise NotImplementedError

    def sqrt(self, x: Any) -> Any:
        raise NotImplementedError

    def log(self, x: Any) -> Any:
        raise NotImplementedError

    def exp(self, x: Any) -> Any:
        raise NotImplementedError

    def finish(self, value: Any) -> Any:
        """The public result: rounded once to the requested precision."""
        raise NotImplementedError


@dataclass(frozen=True)
class Float64Backend(Backend):
    """Vectorized numpy float64 (``dps=None``)."""

    dps: None = None
    inner: None = None
    dtype: Any = field(default=float, repr=False)
    vectorized: bool = field(default=True, repr=False)
    modules: tuple[str, ...] = field(default=("numpy",), repr=False)

    def working(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()

    def number(self, value: object, name: str) -> float:
        return to_float(value, name)

    def array(self, values: object, name: str) -> np.ndarray:
        return real_array(values, name)  # type: ignore[no-any-return]

    def standard_deviation(self, value: object, name: str, *, grid: bool = False) -> Any:
        return standard_deviation(value, name, grid=grid)

    def zeros(self, shape: int | tuple[int, ...]) -> np.ndarray:
        return np.zeros(shape)

    def apply(self, fn: Callable[..., Any], *args: Any) -> Any:
        return fn(*args, dps=None)

    def dot(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(a @ b.T)

    def dot_rows(self, a: np.ndarray) -> np.ndarray:
        return np.einsum("ij,ij->i", a, a)

    def sqrt(self, x: Any) -> Any:
        return np.sqrt(x)

    def log(self, x: Any) -> Any:
        return np.log(x)

    def exp(self, x: Any) -> Any:
        return np.exp(x)

    def finish(self, value: Any) -> Any:
        """``float`` for a scalar, else a float64 array."""
        return float(value) if np.ndim(value) == 0 else np.asarray(value, dtype=float)


def _elementwise(fn: Callable[..., Any], nargs: int) -> Callable[..., Any]:
    ufunc = np.frompyfunc(fn, nargs, 1)

    def call(*args: Any) -> Any:
        return ufunc(*args)

    return call


@dataclass(frozen=True)
class MpmathBackend(Backend):
    """mpmath at ``dps`` significant digits, on scalars and numpy object arrays of ``mpf``."""

    dps: int  # type: ignore[assignment]
    dtype: Any = field(default=object, repr=False)
    vectorized: bool = field(default=False, repr=False)
    modules: tuple[str, ...] = field(default=("mpmath",), repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dps", check_dps(self.dps))

    @property
    def inner(self) -> int:  # type: ignore[override]
        """Digits asked of nested library calls: ``dps + GUARD_DIGITS // 2``."""
        return self.dps + GUARD_DIGITS // 2

    @property
    def working_dps(self) -> int:
        """Digits of the arithmetic inside :meth:`working`: ``dps + GUARD_DIGITS``."""
        return self.dps + GUARD_DIGITS

    @contextlib.contextmanager
    def working(self) -> Iterator[None]:
        with mpmath.workdps(self.working_dps):
            yield

    def number(self, value: object, name: str) -> Any:
        with mpmath.workdps(self.working_dps):
            return to_mpf(value, name)

    def array(self, values: object, name: str) -> np.ndarray:
        if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
            values = values.astype(object)  # exact: floats and ints convert exactly
        try:
            raw = np.asarray(values, dtype=object)
        except (TypeError, ValueError):
            raise TypeError(
                f"{name} must be a real number or array of them, got {show_value(values)}"
            ) from None
        out = np.empty(raw.shape, dtype=object)
        with mpmath.workdps(self.working_dps):
            for index, item in np.ndenumerate(raw):
                out[index] = to_mpf(item, name)
        return out

    def standard_deviation(self, value: object, name: str, *, grid: bool = False) -> Any:
        return standard_deviation(value, name, dps=self.working_dps)

    def zeros(self, shape: int | tuple[int, ...]) -> np.ndarray:
        out = np.empty(shape, dtype=object)
        out.fill(mpmath.mpf(0))
        return out

    def apply(self, fn: Callable[..., Any], *args: Any) -> Any:
        inner = self.inner
        return _elementwise(lambda *a: fn(*a, dps=inner), len(args))(*args)

    def dot(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.empty((a.shape[0], b.shape[0]), dtype=object)
        with mpmath.workdps(self.working_dps):
            for i, u in enumerate(a):
                for j, v in enumerate(b):
                    out[i, j] = mpmath.fsum(x * y for x, y in zip(u, v, strict=True))
        return out

    def dot_rows(self, a: np.ndarray) -> np.ndarray:
        out = np.empty(a.shape[0], dtype=object)
        with mpmath.workdps(self.working_dps):
            for i, u in enumerate(a):
                out[i] = mpmath.fsum(x * x for x in u)
        return out

    def sqrt(self, x: Any) -> Any:
        return _elementwise(mpmath.sqrt, 1)(x)

    def log(self, x: Any) -> Any:
        return _elementwise(mpmath.log, 1)(x)

    def exp(self, x: Any) -> Any:
        return _elementwise(mpmath.exp, 1)(x)

    def _round(self, value: Any) -> Any:
        if not isinstance(value, mpmath.mpf):
            with mpmath.workdps(self.working_dps):
                value = mpmath.mpf(value)
        return round_mpf(value, self.dps)

    def finish(self, value: Any) -> Any:
        """``mpf`` for a scalar, ``mpmath.matrix`` for an array (a vector as a column)."""
        if not isinstance(value, np.ndarray):
            return self._round(value)
        if value.ndim == 0:
            return self._round(value.item())
        if value.ndim > 2:
            raise ValueError(f"an mpmath result has at most 2 dimensions, got {value.shape}")
        rows = value if value.ndim == 2 else value[:, None]
        out = mpmath.matrix(rows.shape[0], rows.shape[1])
        for (i, j), item in np.ndenumerate(rows):
            out[i, j] = self._round(item)
        return out


#: the float64 backend (stateless)
FLOAT64 = Float64Backend()


@functools.lru_cache(maxsize=64)
def _mpmath_backend(dps: int) -> MpmathBackend:
    return MpmathBackend(dps)


def backend(dps: int | None) -> Backend:
    """The backend for ``dps``: float64 for ``None``, mpmath at ``dps`` digits otherwise.

    Raises
    ------
    TypeError, ValueError
        ``dps`` not an int from 1 to 100000 (:func:`asymptote._precision.check_dps`).
    """
    if dps is None:
        return FLOAT64
    return _mpmath_backend(check_dps(dps))
