"""Sphinx configuration: MyST Markdown pages plus autodoc of the public API.

Build (warnings are errors): ``python -m sphinx -W -b html docs docs/_build/html``.
The activation catalog (``activations.md``) is generated here from the registry at every
build. Subject pages written by other parts of the project are listed in :data:`SUBJECT_PAGES`
and included in the index only when they exist, so a missing page never warns.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

project = "asymptote"
author = "the asymptote authors"
copyright = "2026, the asymptote authors"  # noqa: A001

extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax"]
source_suffix = {".md": "markdown"}
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
html_theme = "alabaster"
napoleon_numpy_docstring = True
napoleon_google_docstring = False
autodoc_member_order = "bysource"
autodoc_typehints = "none"
suppress_warnings = ["myst.header"]


def _write_activation_catalog() -> None:
    """Generate ``activations.md`` from the registry (not committed: it cannot go stale)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate_catalog", HERE / "generate_catalog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    target = HERE / "activations.md"
    text = module.catalog()
    if not target.exists() or target.read_text() != text:  # unchanged file: no rebuild
        target.write_text(text)


_write_activation_catalog()

#: Optional subject pages, in index order (written by other issues; included if present).
SUBJECT_PAGES = ("residual", "alpha_relu", "finite_width", "spectra", "posteriors")


def _subject_toctree(app, docname, source):  # type: ignore[no-untyped-def]
    if docname != "index":
        return
    present = [name for name in SUBJECT_PAGES if (HERE / f"{name}.md").exists()]
    source[0] = source[0].replace("SUBJECT_PAGES_PLACEHOLDER", "\n".join(present))


def _reread_index(app, env, added, changed, removed):  # type: ignore[no-untyped-def]
    return ["index"]  # the subject list depends on which pages exist: re-read every build


def setup(app):  # type: ignore[no-untyped-def]
    app.connect("source-read", _subject_toctree)
    app.connect("env-get-outdated", _reread_index)
