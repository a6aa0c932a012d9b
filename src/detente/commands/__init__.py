"""Command modules of the ``detente`` CLI, one per area; :mod:`detente.cli` assembles them.

Each module defines plain functions (or a ``typer.Typer`` sub-app) that parse arguments, call the engine
once and present the typed result. Shared options and helpers live in :mod:`detente.commands._common`.
"""
