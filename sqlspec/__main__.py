"""``python -m sqlspec``: the same as the ``sqlspec`` command."""

from sqlspec.cli import main

main()
