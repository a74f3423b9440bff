"""censusmig: census and survey microdata to the recommended tables on international migration.

The public Python API lives in :mod:`censusmig.api`; only the version is defined here, so that
importing the package stays cheap.
"""

__version__ = "0.1.0"
"""The package version; pyproject.toml reads it from here (``[tool.hatch.version]``).

Written here rather than looked up with :mod:`importlib.metadata`, whose import alone takes
longer than the rest of ``censusmig --version``."""

__all__ = ["__version__"]
