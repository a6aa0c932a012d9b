"""detente: forecast and simulate multilateral negotiations and peace processes.

The package is organised along one flow: scenario -> models (forecasts), process (road maps),
deals (packages and coalitions) -> experiments, validation -> report -> command line.
"""

__version__ = "0.1.0"
"""The package version (pyproject.toml reads it from here; ``detente --version`` prints it without
importing :mod:`importlib.metadata`)."""

__all__ = ["__version__"]
