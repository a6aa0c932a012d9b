"""Run the command line: ``python -m detente``."""

from detente.cli import main

main()
