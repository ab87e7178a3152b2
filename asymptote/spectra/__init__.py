"""Jacobian spectra of deep networks at initialization (free probability, random matrices)."""

from __future__ import annotations

from .free_probability import (
    WEIGHT_KINDS,
    large_depth_edge,
    large_depth_moments,
    spectrum_moments,
    spectrum_variance,
    spread_per_layer,
)

__all__ = [
    "WEIGHT_KINDS",
    "large_depth_edge",
    "large_depth_moments",
    "spectrum_moments",
    "spectrum_variance",
    "spread_per_layer",
]
