"""Type aliases of the public signatures (read by type checkers and readers; no runtime role).

``dps=None`` functions return :data:`FloatOrArray` (a ``float`` for scalar input, a float64
array otherwise), ``dps=int`` functions an ``mpmath.mpf``; ``typing.overload`` says which.
``mpmath`` ships no type information, so to a type checker ``mpmath.mpf`` is ``Any``: the
overloads still document the contract, and the float64 side is checked in full.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import TypeAlias

import mpmath
import numpy as np
from numpy.typing import NDArray

__all__ = ["FloatArray", "FloatOrArray", "MpfFunction", "RealLike"]

#: A float64 numpy array (the ``dps=None`` fast path).
FloatArray: TypeAlias = NDArray[np.float64]

#: What a vectorized ``dps=None`` function returns: ``float`` for scalar input, else an array.
FloatOrArray: TypeAlias = float | NDArray[np.float64]

#: A real number as the API accepts it: exact text (the strict grammar of
#: :func:`asymptote._validate.parse_number`), ``Fraction``, ``Decimal``, ``mpf`` or a float.
RealLike: TypeAlias = float | int | str | Fraction | Decimal | mpmath.mpf

#: A real function evaluated at the working mpmath precision.
MpfFunction: TypeAlias = Callable[[mpmath.mpf], mpmath.mpf]
