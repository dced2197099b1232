"""A griffe extension for the API page: Sphinx roles in docstrings become inline code.

The docstrings cross-reference with Sphinx roles (``:class:`~sqlspec.dialects.Dialect```), which
Markdown would print as written. Each becomes code showing the name as Sphinx would: the last part
for a ``~`` target, the whole target otherwise.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|meth|func|mod|attr|exc|data|obj):`(?P<tilde>~?)(?P<target>[^`]+)`")


def _plain(match: re.Match[str]) -> str:
    target = match["target"]
    return f"`{target.rsplit('.', 1)[-1] if match['tilde'] else target}`"


class SphinxRolesAsCode(griffe.Extension):
    """Rewrite every docstring's Sphinx roles as it is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _ROLE.sub(_plain, obj.docstring.value)
