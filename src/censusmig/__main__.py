"""Entry point for ``python -m censusmig``."""

from censusmig.cli.main import run

run()
