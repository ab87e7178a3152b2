"""Discover claims from the ``proofs`` package (imported lazily, never at import time).

``proofs`` is a top-level package next to ``asymptote`` (shipped by the same distribution):
each of its public modules declares ``CLAIMS`` (a list of :class:`Claim`, or a callable
returning one). Adding a claim is adding data to one module there.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path
from types import ModuleType

from ._model import Claim

__all__ = ["ProofsUnavailableError", "all_claims", "claim_by_id", "proof_modules", "select"]


class ProofsUnavailableError(ImportError):
    """The ``proofs`` package cannot be imported."""


def _proofs_package() -> ModuleType:
    try:
        return importlib.import_module("proofs")
    except ImportError as exc:
        # run from a source checkout that was installed without proofs: use ./proofs
        local = Path.cwd() / "proofs" / "__init__.py"
        if local.is_file() and str(Path.cwd()) not in sys.path:
            sys.path.append(str(Path.cwd()))
            try:
                return importlib.import_module("proofs")
            except ImportError:
                pass
        raise ProofsUnavailableError(
            "the claims live in the 'proofs' package, which could not be imported "
            f"({exc}); install asymptote from its source tree (python -m pip install .) "
            "or run from the repository root"
        ) from exc


def proof_modules() -> list[ModuleType]:
    """Every public module of ``proofs`` (in ``proofs.ORDER`` if given, else by name)."""
    package = _proofs_package()
    names = [m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_")]
    order = list(getattr(package, "ORDER", ()))
    names.sort(key=lambda n: (order.index(n) if n in order else len(order), n))
    return [importlib.import_module(f"proofs.{name}") for name in names]


def all_claims() -> list[Claim]:
    """Every claim of every proofs module, ids checked unique."""
    claims: list[Claim] = []
    seen: dict[str, str] = {}
    for module in proof_modules():
        declared = getattr(module, "CLAIMS", None)
        if declared is None:
            raise ValueError(f"{module.__name__} must declare CLAIMS (a list of Claim)")
        items = declared() if callable(declared) else declared
        for claim in items:
            if not isinstance(claim, Claim):
                raise TypeError(f"{module.__name__}.CLAIMS holds {type(claim).__name__}, not Claim")
            if claim.id in seen:
                raise ValueError(
                    f"duplicate claim id {claim.id!r} in {module.__name__} and {seen[claim.id]}"
                )
            seen[claim.id] = module.__name__
            claims.append(claim)
    return claims


def select(claims: list[Claim], *, source: str | None = None, quick: bool = False) -> list[Claim]:
    """Filter by ``source`` (citation key, id prefix, or proofs module name; case-insensitive)
    and by the quick flag. An unknown source is a ``ValueError`` listing the known ones."""
    chosen = [c for c in claims if c.quick] if quick else list(claims)
    if source is None:
        return chosen
    wanted = source.strip().lower().rstrip("/")
    if not wanted:
        raise ValueError("--source must name a citation key, claim id prefix or proofs module")
    by_module = {m.__name__.split(".")[-1]: m for m in proof_modules()}
    module_ids: set[str] = set()
    if wanted in by_module:
        declared = getattr(by_module[wanted], "CLAIMS", [])
        module_ids = {c.id for c in (declared() if callable(declared) else declared)}
    out = [
        c
        for c in chosen
        if c.source.lower() == wanted
        or c.id.lower() == wanted
        or c.id.lower().startswith(wanted + "/")
        or c.id in module_ids
    ]
    if not out and not any(
        c.source.lower() == wanted or c.id.lower().startswith(wanted) or c.id in module_ids
        for c in claims
    ):
        known = sorted({c.source for c in claims} | set(by_module))
        raise ValueError(f"--source must be one of {', '.join(known)}, got {source!r}")
    return out


def claim_by_id(claim_id: str) -> Claim:
    """The claim with this id (``ValueError`` naming close matches if unknown)."""
    claims = all_claims()
    for claim in claims:
        if claim.id == claim_id:
            return claim
    import difflib

    close = difflib.get_close_matches(claim_id, [c.id for c in claims], n=3)
    hint = (
        f"; did you mean {', '.join(close)}?"
        if close
        else "; list them with asymptote verify --list"
    )
    raise ValueError(f"unknown claim id {claim_id!r}{hint}")
