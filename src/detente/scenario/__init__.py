"""The scenario data model (actors, issues, stances, sources) and its input/output."""

from detente.scenario.actor import Actor
from detente.scenario.issue import Issue, Units
from detente.scenario.scenario import IssueData, Scenario
from detente.scenario.stance import Source, Stance, Uncertainty

__all__ = ["Actor", "Issue", "IssueData", "Scenario", "Source", "Stance", "Uncertainty", "Units"]
