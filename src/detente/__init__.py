"""detente: forecast and simulate multilateral negotiations and peace processes.

The package is organised along one flow: scenario -> models (forecasts), process (road maps),
deals (packages and coalitions) -> experiments, validation -> report -> command line.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("detente")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
