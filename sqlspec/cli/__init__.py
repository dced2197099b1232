"""The ``sqlspec`` command line: ``sqlspec --config myapp.config <command>``."""

from sqlspec.cli.app import app, main, make_app

__all__ = ("app", "main", "make_app")
