r"""Smooth saturating and smooth rectifying activations (no closed-form kernels: every
Gaussian transform is computed by quadrature).

* tanh; analytic in :math:`|\mathrm{Im}\,x| < \pi/2` (poles at :math:`i\pi(k + 1/2)`).
* logistic sigmoid :math:`1/(1+e^{-x})`; poles at :math:`i\pi(2k+1)`.
* softplus :math:`\log(1+e^x)`; branch points at :math:`i\pi(2k+1)`.
* SiLU / swish :math:`x/(1+e^{-x})` [EUD18]; poles at :math:`i\pi(2k+1)`.
* GELU :math:`x\,\Phi(x)` [HG16]; entire.

The float64 versions below avoid overflow (``exp`` of large arguments) and keep relative
accuracy in the tails, where the lambdified SymPy expressions would not.
"""

from __future__ import annotations

import math

import numpy as np
import sympy

from ._base import ActivationSpec, X
from ._registry import register

__all__ = ["TANH", "SIGMOID", "SOFTPLUS", "SILU", "GELU"]

_erfc_np = np.frompyfunc(math.erfc, 1, 1)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _sigmoid_prime(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(np.asarray(x, dtype=float)))
    return e / (1 + e) ** 2


def _sech2(x: np.ndarray) -> np.ndarray:
    e = np.exp(-2 * np.abs(np.asarray(x, dtype=float)))
    return 4 * e / (1 + e) ** 2


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    return 0.5 * np.asarray(_erfc_np(-np.asarray(x, dtype=float) / math.sqrt(2)), dtype=float)


TANH = register(
    ActivationSpec(
        name="tanh",
        phi=sympy.tanh(X),
        description="hyperbolic tangent tanh(x)",
        references=("PLRSG16 Sec. 3", "SGGS17 Sec. 3"),
        singularity_distance=math.pi / 2,
        numpy_phi=lambda x: np.tanh(x),
        numpy_dphi=_sech2,
    )
)

SIGMOID = register(
    ActivationSpec(
        name="sigmoid",
        phi=1 / (1 + sympy.exp(-X)),
        description="logistic sigmoid 1/(1 + exp(-x))",
        references=("SGGS17 Sec. 3",),
        singularity_distance=math.pi,
        numpy_phi=_sigmoid,
        numpy_dphi=_sigmoid_prime,
    )
)

SOFTPLUS = register(
    ActivationSpec(
        name="softplus",
        phi=sympy.log(1 + sympy.exp(X)),
        description="softplus log(1 + exp(x))",
        references=("NT20 (stax.Softplus)",),
        singularity_distance=math.pi,
        numpy_phi=lambda x: np.logaddexp(0.0, x),
        numpy_dphi=_sigmoid,
    )
)

SILU = register(
    ActivationSpec(
        name="silu",
        phi=X / (1 + sympy.exp(-X)),
        description="SiLU / swish x * sigmoid(x)",
        references=("EUD18",),
        singularity_distance=math.pi,
        numpy_phi=lambda x: np.asarray(x, dtype=float) * _sigmoid(x),
        numpy_dphi=lambda x: _sigmoid(x) + np.asarray(x, dtype=float) * _sigmoid_prime(x),
    )
)

GELU = register(
    ActivationSpec(
        name="gelu",
        phi=X * (1 + sympy.erf(X / sympy.sqrt(2))) / 2,
        description="GELU x * Phi(x), Phi the standard normal CDF",
        references=("HG16 eq. (1)",),
        numpy_phi=lambda x: np.asarray(x, dtype=float) * _normal_cdf(x),
        numpy_dphi=lambda x: (
            _normal_cdf(x)
            + np.asarray(x, dtype=float) * np.exp(-np.square(x) / 2) / math.sqrt(2 * math.pi)
        ),
    )
)
