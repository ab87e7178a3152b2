"""Generate docs/activations.md from the registry.

``docs/conf.py`` runs it at every Sphinx build (the file is not committed, so it cannot go
stale); ``python docs/generate_catalog.py`` writes it by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

import sympy

from asymptote.activations import presets, specs

HEADER = """# Activation catalog

Generated from the registry at every docs build (`docs/generate_catalog.py`); not committed.
Transforms: `V` = E[phi(sqrt(q) z)^2], `W` = E[phi(u) phi(v)], `Vd` = E[phi'^2],
`Wd` = E[phi'(u) phi'(v)], `dV` = dV/dq. "closed" lists the transforms with a closed form
(declared or derived by SymPy); all others are computed by quadrature.

| name | family | phi(x) | parameters | closed | references |
|---|---|---|---|---|---|
"""


def catalog() -> str:
    rows = []
    all_specs = specs()
    for name, spec in sorted(all_specs.items()):
        params = "; ".join(f"{p.name} in {p.domain}" for p in spec.params) or "-"
        closed = ", ".join(sorted(spec.symbolic_forms)) or "-"
        phi = sympy.latex(spec.phi).replace("|", "\\|")
        rows.append(
            f"| `{name}` | {name} | ${phi}$ | {params} | {closed} | {'; '.join(spec.references)} |"
        )
    for name, preset in sorted(presets().items()):
        spec = all_specs[preset.family]
        fixed = ", ".join(f"{k}={v}" for k, v in preset.fixed.items())
        free = (
            "; ".join(
                f"{p.name} in {p.domain} (default {preset.defaults.get(p.name, p.default)})"
                for p in spec.params
                if p.name not in preset.fixed
            )
            or "-"
        )
        closed = ", ".join(sorted(spec.symbolic_forms)) or "-"
        description = preset.description.replace("|", "\\|")
        rows.append(
            f"| `{name}` | {preset.family} ({fixed}) | {description} | {free} | {closed} "
            f"| {'; '.join(spec.references)} |"
        )
    return HEADER + "\n".join(rows) + "\n"


if __name__ == "__main__":
    target = Path(__file__).with_name("activations.md")
    target.write_text(catalog())
    print(f"wrote {target}", file=sys.stderr)
