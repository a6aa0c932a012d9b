"""Uncertainty analysis and sweeps: seeded replicates, serial or parallel with identical results."""

from detente.experiments.run import run_replicates

__all__ = ["run_replicates"]
