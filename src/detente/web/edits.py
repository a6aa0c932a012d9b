"""Edits of a scenario in the workbench: one number changed, with its basis, checked like a scenario file.

An edit changes one number: an actor's ``position`` or ``salience`` on an issue, or an actor's
``capability``. Every edit carries a *basis*, the way the scenario format does for stances: either
``sourced`` (a source id and a non-empty quote from it; a source that the scenario does not list yet
is added when the edit gives its title) or ``estimate`` (the analyst's rationale, which may not be
empty). :func:`apply_edit` returns the new scenario, validated by the same code that reads scenario
files (:func:`detente.scenario.io.scenario_from_data`), so a value out of range or a bad id gives
the same one-line error in the page, in the JSON API and on the command line.

A stance edit gives the stance the edit's basis (the scenario format has one basis per stance). A
capability edit keeps the basis in the actor's ``description`` (the field that gives the basis of
its capability) and in the edit history.
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from detente.errors import ParameterError, ScenarioError
from detente.scenario import Scenario
from detente.scenario._fields import check_text
from detente.scenario.io import dumps_scenario, scenario_from_data, scenario_to_data

__all__ = ["EditRequest", "apply_edit", "apply_history", "diff_scenarios", "state_key"]

FIELDS = ("position", "salience", "capability")
Checked = Annotated[str, AfterValidator(check_text)]
"""Text without control characters (bar newline and tab), valid Unicode: what scenario files accept."""

_NOTE = re.compile(r"\s*\[workbench: [^\]]*\]$")


class EditRequest(BaseModel):
    """One edit as the page's form and the JSON API send it.

    ``issue`` is empty for a capability edit. ``source`` names the source of a sourced edit: an id the
    scenario lists, or a new id together with ``source_title`` (and optionally ``source_url``).
    """

    model_config = ConfigDict(extra="forbid")

    actor: Checked = Field(min_length=1, max_length=200, description="Id of the actor.")
    issue: Checked = Field(default="", max_length=200, description="Id of the issue ('' for capability).")
    field: Literal["position", "salience", "capability"] = Field(description="Which number changes.")
    value: float = Field(description="The new value (position and salience 0-100; capability >= 0).")
    basis: Literal["sourced", "estimate"] = Field(description="'sourced' (source and quote) or 'estimate'.")
    source: Checked = Field(default="", max_length=200, description="Source id, for a sourced edit.")
    quote: Checked = Field(
        default="", max_length=5000, description="Quote from the source, for a sourced edit."
    )
    source_title: Checked = Field(default="", max_length=500, description="Title, to add a new source.")
    source_url: Checked = Field(default="", max_length=2000, description="Address of a new source.")
    rationale: Checked = Field(default="", max_length=5000, description="Rationale, for an estimate.")
    author: Checked = Field(default="", max_length=200, description="Who made the edit.")


def _check_basis(scenario: Scenario, edit: EditRequest) -> dict[str, Any] | None:
    """Refuse an edit without a usable basis; return the new source to add, if any."""
    where = f"edit of {edit.actor}{'.' + edit.issue if edit.issue else ''}.{edit.field}"
    if edit.basis == "estimate":
        if not edit.rationale.strip():
            raise ParameterError(
                "an estimate needs a rationale",
                where=where,
                fix="say why you estimate this value, or cite a source with a quote",
            )
        return None
    if not edit.source.strip():
        raise ParameterError(
            "a sourced edit needs a source",
            where=where,
            fix="choose one of the scenario's sources, or give a new source id and title",
        )
    if not edit.quote.strip():
        raise ParameterError(
            "a sourced edit needs a quote from the source",
            where=where,
            fix="paste the words of the source that support the value",
        )
    known = {s.id for s in scenario.sources}
    if edit.source in known:
        return None
    if not edit.source_title.strip():
        raise ParameterError(
            f"the scenario has no source {edit.source!r}",
            where=where,
            fix="choose a listed source, or add this one by giving its title",
        )
    new = {"id": edit.source, "title": edit.source_title.strip()}
    if edit.source_url.strip():
        new["url"] = edit.source_url.strip()
    return new


def apply_edit(scenario: Scenario, edit: EditRequest) -> tuple[Scenario, float | None, dict[str, Any] | None]:
    """Apply one edit; return (the new scenario, the previous value, the source added or None).

    Raises
    ------
    InputError
        One line naming the edit and the problem: unknown actor or issue, no stance to edit, a missing
        basis, or a value the scenario format refuses (out of range, not finite).
    """
    where = f"edit of {edit.actor}{'.' + edit.issue if edit.issue else ''}.{edit.field}"
    if edit.actor not in scenario.actor_ids:
        raise ParameterError(
            f"there is no actor {edit.actor!r}",
            where="actor",
            fix=f"use one of: {', '.join(scenario.actor_ids[:20])}",
        )
    if edit.field == "capability":
        if edit.issue:
            raise ParameterError(
                "capability belongs to an actor, not to a stance",
                where=where,
                fix="leave the issue empty to edit a capability",
            )
    else:
        if edit.issue not in scenario.issue_ids:
            raise ParameterError(
                f"there is no issue {edit.issue!r}",
                where="issue",
                fix=f"use one of: {', '.join(scenario.issue_ids[:20])}",
            )
        if scenario.stance(edit.actor, edit.issue) is None:
            raise ParameterError(
                f"{edit.actor} has no stance on {edit.issue}",
                where=where,
                fix="edit a stance the scenario has, or upload a scenario that adds this one",
            )
    new_source = _check_basis(scenario, edit)
    data = scenario_to_data(scenario)
    if new_source is not None:
        data["sources"] = [*data.get("sources", []), new_source]
    if edit.field == "capability":
        k = scenario.actor_ids.index(edit.actor)
        actor = dict(data["actors"][k])
        old = scenario.actors[k].capability
        actor["capability"] = edit.value
        actor["description"] = (
            _NOTE.sub("", actor.get("description", "")) + f" [workbench: {_basis_text(edit)}]"
        ).strip()
        data["actors"][k] = actor
    else:
        k = next(
            n for n, st in enumerate(scenario.stances) if (st.actor, st.issue) == (edit.actor, edit.issue)
        )
        stance = dict(data["stances"][k])
        old = getattr(scenario.stances[k], edit.field)
        stance[edit.field] = edit.value
        for key in ("source", "quote", "note", "reported_by"):
            stance.pop(key, None)
        stance["basis"] = edit.basis
        if edit.basis == "sourced":
            stance.update(source=edit.source, quote=edit.quote.strip())
        else:
            stance["note"] = edit.rationale.strip()
        data["stances"][k] = stance
    try:
        new = scenario_from_data(data, source="edit")
    except ScenarioError as exc:
        raise type(exc)(
            exc.problem, where=f"{where} ({exc.where})" if exc.where else where, fix=exc.fix
        ) from None
    return new, old, new_source


def _basis_text(edit: EditRequest) -> str:
    if edit.basis == "sourced":
        return f"{edit.field} from source {edit.source}: \u201c{edit.quote.strip()}\u201d"
    return f"{edit.field} estimated: {edit.rationale.strip()}"


def request_from_row(row: dict[str, Any]) -> EditRequest:
    """The :class:`EditRequest` an edit-history row records (to replay the history on its baseline)."""
    new_source = row.get("new_source") or {}
    return EditRequest(
        actor=row["actor"],
        issue=row["issue"],
        field=row["field"],
        value=row["new_value"],
        basis=row["basis"],
        source=row["source"],
        quote=row["quote"],
        rationale=row["rationale"],
        source_title=new_source.get("title", ""),
        source_url=new_source.get("url", ""),
        author=row.get("author", ""),
    )


def apply_history(baseline: Scenario, rows: list[dict[str, Any]]) -> Scenario:
    """The scenario after the edits of a history that are not undone, applied in order to the baseline.

    An edit that no longer applies (its source was added by an edit since undone, say) is skipped.
    """
    current = baseline
    for row in rows:
        if row.get("undone"):
            continue
        try:
            current = apply_edit(current, request_from_row(row))[0]
        except (ScenarioError, ParameterError):
            continue
    return current


def state_key(scenario: Scenario) -> str:
    """A short fingerprint of a scenario's content: runs are tagged with it to tell when they are stale."""
    return hashlib.sha256(dumps_scenario(scenario, "json").encode()).hexdigest()[:16]


def diff_scenarios(baseline: Scenario, current: Scenario) -> list[dict[str, Any]]:
    """What differs between two scenarios with the same actors and issues, one row per changed number.

    Rows: ``what`` (``stance``, ``actor`` or ``source``), ``actor``, ``issue``, ``field``, ``baseline``,
    ``current`` and ``basis`` (the current basis, in words). Stances whose numbers are equal but whose
    basis changed are listed with field ``basis``.
    """
    rows: list[dict[str, Any]] = []
    for a in current.actors:
        if a.id not in baseline.actor_ids:
            continue
        before = baseline.actor(a.id)
        if before.capability != a.capability:
            rows.append(
                {
                    "what": "actor",
                    "actor": a.id,
                    "issue": "",
                    "field": "capability",
                    "baseline": before.capability,
                    "current": a.capability,
                    "basis": _NOTE.search(a.description).group(0).strip()[12:-1]
                    if _NOTE.search(a.description)
                    else "",
                }
            )
    for st in current.stances:
        old = baseline.stance(st.actor, st.issue)
        if old is None:
            continue
        basis = (
            f"source {st.source}: \u201c{st.quote}\u201d" if st.basis == "sourced" else f"estimate: {st.note}"
        )
        changed = False
        for name in ("position", "salience"):
            if getattr(old, name) != getattr(st, name):
                changed = True
                rows.append(
                    {
                        "what": "stance",
                        "actor": st.actor,
                        "issue": st.issue,
                        "field": name,
                        "baseline": getattr(old, name),
                        "current": getattr(st, name),
                        "basis": basis,
                    }
                )
        if not changed and (old.basis, old.source, old.quote, old.note) != (
            st.basis,
            st.source,
            st.quote,
            st.note,
        ):
            rows.append(
                {
                    "what": "stance",
                    "actor": st.actor,
                    "issue": st.issue,
                    "field": "basis",
                    "baseline": None,
                    "current": None,
                    "basis": basis,
                }
            )
    known = {s.id for s in baseline.sources}
    for s in current.sources:
        if s.id not in known:
            rows.append(
                {
                    "what": "source",
                    "actor": "",
                    "issue": "",
                    "field": "added",
                    "baseline": None,
                    "current": None,
                    "basis": f"{s.id}: {s.title}",
                }
            )
    return rows
