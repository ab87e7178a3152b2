"""Subcommands of ``asymptote`` grouped by subject; each module defines ``register(subparsers)``.

:mod:`asymptote.cli` builds the core commands (activations, fixed-point, critical, kernel, cite,
verify) itself and then lets every module named in :data:`COMMAND_MODULES` add its own, so a new
subject area touches one file here plus this list.
"""

from __future__ import annotations

COMMAND_MODULES: tuple[str, ...] = (
    "residual",  # exponents, iterate, recurrence
    "finite_width",  # finite-width, montecarlo
    "spectra",  # spectrum
    "posteriors",  # posterior, linearization
    "claims",  # derive, phase
)
