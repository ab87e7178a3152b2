"""The seed sources' claims as data, one module per source (``CLAIMS`` in each).

This package imports :mod:`asymptote`; :mod:`asymptote` never imports it at import time
(``asymptote verify`` and ``asymptote derive`` load it lazily through
:mod:`asymptote.claims.registry`). To add a claim, append a
:class:`asymptote.claims.Claim` to the ``CLAIMS`` list of the source's module; a new source
is a new module here (add its name to :data:`ORDER` to place it in the report).
"""

from __future__ import annotations

#: Report order of the modules (others follow alphabetically).
ORDER: tuple[str, ...] = (
    "poole2016",
    "schoenholz2017",
    "lee2018",
    "jacot2018",
    "pennington2017",
    "lee2019",
    "yang_schoenholz2017",
    "hanin_rolnick2018",
)
