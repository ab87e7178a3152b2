r"""alpha-ReLU kernels of residual networks: normalized kernel, expansion at c = 1, residual
cosine-distance dynamics, Bessel :math:`K_0` integrals.

For :math:`\phi_\alpha(x) = x^\alpha` (:math:`x > 0`), :math:`0` otherwise
([YS17]_ Sec. 5.2; [CS09]_ for integer :math:`\alpha`). One module per topic, all re-exported
here (``from asymptote.alpha_relu import normalized_kernel`` works):

=======================  =====================================================================
:mod:`.kernels`          :math:`c_\alpha` (:math:`\mathcal{V}\phi_\alpha(q) = c_\alpha
                         q^\alpha`), the normalized kernel :math:`J_\alpha(c) =
                         k_\alpha(c)/k_\alpha(1)` and its slope
:mod:`.expansion`        exact expansion of :math:`J_\alpha(1 - w)` (regular and singular
                         parts), :math:`J_\alpha'(1)`
:mod:`.residual`         fixed point :math:`e^*` of the resnets' cosine distance, its
                         convergence exponent :math:`\mu`, the ReLU constant of
                         :math:`1 - e^l \sim C l^{-2}` (with the derivation)
:mod:`.bessel`           :math:`\int_0^\infty v^\alpha e^{cv}K_0(v)\,dv` by three routes
=======================  =====================================================================

The identities relating these kernels to :math:`K_0` ([YS17]_ App. C.7.1; its text could not
be recovered, so they are derived from the definitions and cited to their mathematical
sources) are claims: they live in ``proofs/_bessel_identities.py`` and are checked by
``asymptote verify`` (``YS17/bessel/*``), each by two independent routes and by SymPy where
it can.

References
----------
.. [YS17] G. Yang and S. S. Schoenholz, Mean field residual networks: on the edge of chaos,
   NeurIPS 2017, arXiv:1712.08969 (Sec. 5.2; App. C.7.1).
.. [CS09] Y. Cho and L. K. Saul, Kernel methods for deep learning, NeurIPS 2009, eq. (4)-(7).
.. [DLMF] NIST DLMF, 10.32.9 (integral representation of :math:`K_\nu`), 10.31.2 (series),
   10.40.2 (asymptotic expansion), 10.43.19 (Mellin moments), 15.8.4 and 15.8.27.
"""

from __future__ import annotations

from .bessel import bessel_laplace_integral
from .expansion import KernelExpansionAtOne, kernel_expansion_at_one, kernel_slope_at_one
from .kernels import normalized_kernel, normalized_kernel_slope, second_moment_coefficient
from .residual import (
    cosine_convergence_exponent,
    cosine_fixed_point,
    relu_cosine_distance_constant,
)

__all__ = [
    "KernelExpansionAtOne",
    "bessel_laplace_integral",
    "cosine_convergence_exponent",
    "cosine_fixed_point",
    "kernel_expansion_at_one",
    "kernel_slope_at_one",
    "normalized_kernel",
    "normalized_kernel_slope",
    "relu_cosine_distance_constant",
    "second_moment_coefficient",
]
