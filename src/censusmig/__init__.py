"""censusmig: census and survey microdata to the recommended tables on international migration.

The public Python API lives in :mod:`censusmig.api`; the most used names are re-exported here.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("censusmig")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
