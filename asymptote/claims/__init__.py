"""The seed papers' claims as executable checks: data model, checks, registry, runner, LaTeX.

Claims are declared as data in the top-level ``proofs`` package (one module per source,
each with a ``CLAIMS`` list); :mod:`asymptote` never imports ``proofs`` at import time: the
registry does, lazily, when ``asymptote verify`` or ``asymptote derive`` runs.

>>> from asymptote.claims import CHECK_KINDS
>>> CHECK_KINDS[0]
'symbolic identity'
"""

from __future__ import annotations

from ._model import CHECK_KINDS, Check, Claim, Expected, Measurement, Step, evaluate_expected
from .checks import ExponentFit, HighPrecision, MonteCarlo, SymbolicIdentity, digits_of_agreement
from .registry import ProofsUnavailableError, all_claims, claim_by_id, proof_modules, select
from .runner import Result, markdown_report, results_json, run_claims, summary, table

__all__ = [
    "CHECK_KINDS",
    "Check",
    "Claim",
    "Expected",
    "ExponentFit",
    "HighPrecision",
    "Measurement",
    "MonteCarlo",
    "ProofsUnavailableError",
    "Result",
    "Step",
    "SymbolicIdentity",
    "all_claims",
    "claim_by_id",
    "digits_of_agreement",
    "evaluate_expected",
    "markdown_report",
    "proof_modules",
    "results_json",
    "run_claims",
    "select",
    "summary",
    "table",
]
