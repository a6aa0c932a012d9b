"""Constants the command line needs before anything heavy is imported (kept free of imports).

The command line builds its command tree, and answers ``detente --version`` and ``--help``, from
this module and :mod:`detente.commands._common` alone: neither imports numpy, pydantic or the
scenario and model stack.
"""

__all__ = ["DEFAULT_SCENARIO"]

DEFAULT_SCENARIO = "korea"
"""Name of the scenario commands use when none is given."""
