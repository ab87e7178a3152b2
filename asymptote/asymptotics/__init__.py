"""Leading depth asymptotics of mean-field recurrences (symbolic) and their fitted checks."""

from __future__ import annotations

from .constants import ActivationClass, classify
from .laws import LAW_KINDS, Law, leading_laws

__all__ = ["LAW_KINDS", "ActivationClass", "Law", "classify", "leading_laws"]
