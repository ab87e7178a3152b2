"""Finite-width statistics of random ReLU networks [HR18]: exact moments and laws of the
squared activation length (:mod:`.moments`), gradient norms (:mod:`.gradients`) and residual
networks with scaled branches (:mod:`.residual_scaling`), and FM2's statistic, the empirical
variance of the lengths across layers (:mod:`.empirical_variance`)."""

from __future__ import annotations

from .empirical_variance import (
    expected_empirical_variance,
    layer_empirical_variance,
    sample_layer_lengths,
)
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

__all__ = [
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
