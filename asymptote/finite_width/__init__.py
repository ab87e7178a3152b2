"""Finite-width statistics of random ReLU networks [HR18]: exact moments and laws of the
squared activation length (:mod:`.moments`), gradient norms (:mod:`.gradients`) and residual
networks with scaled branches (:mod:`.residual_scaling`), and FM2's statistic, the empirical
variance of the lengths across layers (:mod:`.empirical_variance`); two-input signal
propagation through finite networks (:mod:`.signal_propagation`) and the input-output
Jacobian's mean squared singular value (:mod:`.jacobian`)."""

from __future__ import annotations

from .empirical_variance import (
    expected_empirical_variance,
    layer_empirical_variance,
    sample_layer_lengths,
)
from .jacobian import jacobian_probe_norms
from .moments import (
    FailureModes,
    LengthMoments,
    check_widths,
    failure_modes,
    layer_factor_moment,
    layer_factor_moment_expr,
    layer_length_moments,
    output_length_mellin,
    output_length_moment,
    output_length_moments,
    probability_dead,
    sample_output_length,
)
from .signal_propagation import (
    TwoInputNetworks,
    correlation,
    crossing_depth,
    decay_rate,
    first_layer_covariance,
    sample_two_input_networks,
)

__all__ = [
    "TwoInputNetworks",
    "correlation",
    "crossing_depth",
    "decay_rate",
    "first_layer_covariance",
    "jacobian_probe_norms",
    "sample_two_input_networks",
    "expected_empirical_variance",
    "layer_empirical_variance",
    "layer_length_moments",
    "sample_layer_lengths",
    "FailureModes",
    "LengthMoments",
    "check_widths",
    "failure_modes",
    "layer_factor_moment",
    "layer_factor_moment_expr",
    "output_length_mellin",
    "output_length_moment",
    "output_length_moments",
    "probability_dead",
    "sample_output_length",
]
