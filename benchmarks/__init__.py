"""Benchmarks: sqlspec against the raw driver, Alembic and yoyo-migrations (``make bench``).

Not part of ``make test``. The tools run from their own virtualenv (``build/bench/venv``), which
``make bench`` creates from ``benchmarks/requirements.txt``; ``docs/performance.md`` explains the
scenarios and holds the figures of the last full run.
"""
