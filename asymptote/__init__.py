"""asymptote: mean-field theory of randomly initialized deep networks.

Public facade. Conventions (see ``docs/conventions.md``): ``sigma_w`` and ``sigma_b`` are
standard deviations (formulas use their squares); ``depth`` counts nonlinearities; inputs
enter through ``q^0 = ||x||^2 / N_0``; ``dps=None`` selects the vectorized float64 path and
``dps=int`` mpmath at that many digits (never changing the global ``mpmath.mp``).

>>> import asymptote as asy
>>> asy.mean_field("tanh", 1.3, 0.3).phase
'ordered'
"""

from __future__ import annotations

from .activations import BoundActivation, activation, list_activations
from .asymptotics import Law, leading_laws
from .errors import ConvergenceError
from .feedforward import (
    MeanFieldPoint,
    correlation_map,
    critical_point,
    fixed_point_correlation,
    fixed_point_length,
    gradient_norm_ratio,
    length_map,
    mean_field,
    trainable_depth,
)
from .finite_width import failure_modes, output_length_moments
from .finite_width.montecarlo import MonteCarloResult, simulate
from .kernels import KernelPair, nngp_ntk
from .linearization import linearization_check
from .posteriors import Posterior, gradient_descent_ensemble, nngp_posterior
from .recurrences import recurrence
from .recurrences.iterate import Trajectory, iterate
from .references import REFERENCES, cite
from .spectra import spectrum_moments, spectrum_variance
from .spectra.density import spectral_atoms, spectral_density, spectral_edge, spectrum
from .transforms import (
    cross_moment,
    derivative_cross_moment,
    derivative_second_moment,
    second_moment,
    second_moment_slope,
)

__version__ = "0.2.0"

__all__ = [
    "BoundActivation",
    "Law",
    "MonteCarloResult",
    "Posterior",
    "Trajectory",
    "failure_modes",
    "gradient_descent_ensemble",
    "iterate",
    "leading_laws",
    "linearization_check",
    "nngp_posterior",
    "output_length_moments",
    "recurrence",
    "simulate",
    "spectral_atoms",
    "spectral_density",
    "spectral_edge",
    "spectrum",
    "spectrum_moments",
    "spectrum_variance",
    "ConvergenceError",
    "KernelPair",
    "MeanFieldPoint",
    "REFERENCES",
    "activation",
    "cite",
    "correlation_map",
    "critical_point",
    "cross_moment",
    "derivative_cross_moment",
    "derivative_second_moment",
    "fixed_point_correlation",
    "fixed_point_length",
    "gradient_norm_ratio",
    "length_map",
    "list_activations",
    "mean_field",
    "nngp_ntk",
    "second_moment",
    "second_moment_slope",
    "trainable_depth",
]
