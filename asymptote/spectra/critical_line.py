r"""Spread of the Jacobian spectrum along the critical line :math:`\chi_1 = 1`.

On the critical line the mean squared singular value is :math:`m_1 = \chi_1^L = 1` for every
depth, but the spread is not: exactly,

.. math:: \frac{m_2}{m_1^2} - 1 = L\Big(\frac{\mu_2}{\mu_1^2} - 1 + g\Big),
          \qquad \mu_k = E[\phi'(\sqrt{q^*} z)^{2k}],

(``g`` = 1 Gaussian, 0 orthogonal weights) [PSG17, Sec. 2.3-3]. Dynamical isometry (all
singular values near 1 at large depth) needs the per-layer term to vanish: orthogonal weights,
and :math:`\phi'^2` nearly constant over the pre-activations, i.e. :math:`q^* \to 0`, which on
the critical line of an activation linear near 0 (tanh, erf) means :math:`\sigma_b \to 0`.
For ReLU the law of :math:`\phi'^2` is Bernoulli(1/2) whatever :math:`q^*`, so the term is 1
(orthogonal) or 2 (Gaussian) on the whole line: no dynamical isometry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from .. import _validate
from .._precision import check_dps, round_mpf, workdps
from ..activations import as_activation
from ..transforms import transform
from .free_probability import LAYERS, check_weights, spectrum_model

__all__ = ["CriticalSpread", "critical_line_spread"]


@dataclass(frozen=True)
class CriticalSpread:
    """Spread of the spectrum of :math:`JJ^T` at one point of the critical line.

    Attributes
    ----------
    sigma_b, sigma_w, q_star :
        The critical point (``q_star`` None where undetermined: ReLU family).
    spread_per_layer :
        :math:`c = \\mu_2/\\mu_1^2 - 1 + g`.
    relative_variance : dict
        ``{L: L c}`` = :math:`m_2/m_1^2 - 1` for each requested depth.
    """

    sigma_b: Any
    sigma_w: Any
    q_star: Any
    spread_per_layer: Any
    relative_variance: dict[int, Any]


def critical_line_spread(
    activation: object,
    sigma_b: Any,
    *,
    depths: tuple[int, ...] = (10, 100),
    weights: str = "orthogonal",
    dps: int | None = None,
    **params: object,
) -> list[CriticalSpread]:
    r"""Spread :math:`m_2/m_1^2 - 1` of the Jacobian spectrum along the critical line.

    Parameters
    ----------
    activation : str or BoundActivation
    sigma_b : float, str or sequence of them
        Bias standard deviations; each is mapped to its critical :math:`\sigma_w` by
        :func:`asymptote.critical_point` (positively homogeneous activations: the one
        critical :math:`\sigma_w = 1/\sqrt{E[\phi'^2]}` for every :math:`\sigma_b`).
    depths : tuple of int
    weights : {'gaussian', 'orthogonal'}
    dps : int or None

    Returns
    -------
    list of CriticalSpread
        One per ``sigma_b``.

    Notes
    -----
    :math:`m_2/m_1^2 - 1 = L(\mu_2/\mu_1^2 - 1 + g)` exactly [PSG17, Sec. 2.3]; see the
    module docstring.

    Examples
    --------
    >>> [round(p.spread_per_layer, 12) for p in critical_line_spread("relu", [0.0, 0.5])]
    [1.0, 1.0]
    >>> p = critical_line_spread("tanh", 0.05)[0]
    >>> round(p.relative_variance[100], 6)
    7.31527
    """
    from ..feedforward import critical_point

    act = as_activation(activation, **params)
    depths = tuple(_validate.depth(d, minimum=1, meaning=LAYERS) for d in depths)
    g = check_weights(weights)
    values = list(sigma_b) if isinstance(sigma_b, (list, tuple, np.ndarray)) else [sigma_b]
    out = []
    homogeneous = act.homogeneity_degree is not None
    for sb in values:
        if dps is None:
            if homogeneous:
                sw: Any = float(1 / np.sqrt(transform("Vd", act, 1.0)))
                q: Any = None
            else:
                sw, q = critical_point(act, sb)
            model = spectrum_model(act, sw, 0.0 if homogeneous else sb, depth=1, weights=weights)
            if not homogeneous:
                model = _with_q(model, q, act)
            c = float(model.mu(2) / model.mu(1) ** 2 - 1 + g)
            out.append(CriticalSpread(float(sb), sw, q, c, {d: d * c for d in depths}))
            continue
        dps = check_dps(dps)
        with workdps(dps):
            if homogeneous:
                sw = 1 / mpmath.sqrt(transform("Vd", act, 1, dps=dps + 8))
                q = None
                model = spectrum_model(act, sw, 0, depth=1, weights=weights, backend="mpmath")
            else:
                sw, q = critical_point(act, sb, dps=dps + 8)
                model = spectrum_model(act, sw, sb, depth=1, weights=weights, backend="mpmath")
                model = _with_q(model, q, act)
            c = model.mu(2) / model.mu(1) ** 2 - 1 + g
            out.append(
                CriticalSpread(
                    sb,
                    round_mpf(sw, dps),
                    None if q is None else round_mpf(q, dps),
                    round_mpf(c, dps),
                    {d: round_mpf(d * c, dps) for d in depths},
                )
            )
    return out


def _with_q(model: Any, q: Any, act: Any) -> Any:
    """Rebuild the law at the critical q* itself (the fixed point found from sigma_w may sit
    on a marginal length map whose iteration converges slowly)."""
    from .free_probability import squared_derivative_law

    model.law = squared_derivative_law(act, q, model.backend)
    model.q_star = q
    model._mu.clear()
    return model
