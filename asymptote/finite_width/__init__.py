"""Finite-width statistics of random ReLU networks [HR18]: exact moments and laws of the
squared activation length (:mod:`.moments`), gradient norms (:mod:`.gradients`) and residual
networks with scaled branches (:mod:`.residual_scaling`)."""

from __future__ import annotations

from .moments import (
    FailureModes,
    LengthMoments,
    check_widths,
    failure_modes,
    layer_factor_moment,
    layer_factor_moment_expr,
    output_length_mellin,
    output_length_moment,
    output_length_moments,
    probability_dead,
    sample_output_length,
)

__all__ = [
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
