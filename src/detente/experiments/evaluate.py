"""Evaluate one task of an experiment: apply its inputs and lever, run the models, return the outcomes.

:class:`Evaluator` is the experiment's :data:`~detente.experiments.types.TaskFunction`. For a task it

1. applies the task's inputs to copies of the scenario (stances, capabilities, status quos), of the
   road map (its data set at the target's path and validated again, as
   :func:`~detente.process.uncertainty.perturbed_process` does) and of the model parameters;
2. applies the lever: a policy runs the road map under that policy; a coalition aligns its members
   on one position (:func:`detente.deals.coalition.aligned`) and, when the lever gives road-map
   settings, runs the road map under its baseline policy plus a coalition block of its members; a
   package is the package the ``deal.accepted`` outcomes judge;
3. runs what the outcomes need, once each: the road-map simulation (``runs_per_sample`` runs), each
   model's forecast, each package's verdict (:func:`detente.deals.veto.judge` against the status quo).

Road-map outcomes are shares of runs (probabilities): ``completion``, ``interim``, ``breakdown``,
``escalation``, ``ongoing``, ``reach.<phase>`` (the phase was entered), ``fail.<phase>`` (the road map
broke down in that phase); ``time_to_interim`` and ``time_to_completion`` are mean times (in the road
map's time unit, months for Korea) among the runs that got there, NaN when none did;
``position.<issue>`` is the mean final position. ``forecast.<model>.<issue>`` is the forecast
position (0-100); ``deal.<package>.accepted`` is 1 when the package passes its decision rule and 0
otherwise, ``deal.<package>.vetoes`` the number of veto players who reject it.

The outputs are a pure function of (task, seed): the simulation's seed and each stochastic model's
seed are drawn from the task's seed sequence. A model that cannot forecast the varied scenario (a
degenerate case, :class:`~detente.errors.ModelError`) gives NaN for its outcomes.

>>> from detente.experiments.spec import loads_experiment
>>> from detente.experiments.design import build_design
>>> e = loads_experiment('''
... name: toy
... scenario: ec-emissions
... estimates: false
... uncertainties:
...   - {target: stance.Germany.delay.position, low: 0, high: 20}
... outcomes: [forecast.compromise.delay]
... sampler: {method: latin, n: 4}
... ''')
>>> f = Evaluator(e)
>>> task = build_design(e, seed=1).tasks()[0]
>>> out = f(task, np.random.SeedSequence(5))
>>> list(out), 0 <= out["forecast.compromise.delay"] <= 100
(['forecast.compromise.delay'], True)
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente._random import child_sequence
from detente.errors import ModelError
from detente.experiments.design import n_samples
from detente.experiments.spec import Experiment, Lever
from detente.experiments.types import Outputs, Task

__all__ = ["Evaluator", "describe", "summary_lines"]


def _int_seed(seq: np.random.SeedSequence) -> int:
    """A non-negative 63-bit integer seed drawn from ``seq``."""
    return int(seq.generate_state(1, np.uint64)[0] >> np.uint64(1))


def _assign(data: Any, key: tuple[Any, ...], value: Any) -> Any:
    """A copy of ``data`` with ``value`` at ``key``, copying only the containers along the way.

    Setting a field of a block also drops the field from the block's ``ranges`` (the range describes
    the file's value, which the input now replaces) and its dated values (``prior_dated``, a
    guarantor's ``dated`` credibilities): the input is the value in force on the scenario's date.
    """
    head, rest = key[0], key[1:]
    new = dict(data) if isinstance(data, dict) else list(data)
    if rest:
        new[head] = _assign(data[head], rest, value)
    else:
        new[head] = value
        if isinstance(new, dict):
            if isinstance(new.get("ranges"), dict) and head in new["ranges"]:
                new["ranges"] = {k: v for k, v in new["ranges"].items() if k != head}
            if new.get(f"{head}_dated"):
                new[f"{head}_dated"] = {}
            if head == "credibility" and new.get("dated"):
                new["dated"] = {}
    return new


@dataclass
class _Plan:
    """What a task changes and what it runs, worked out once per process."""

    stances: dict[int, dict[str, str]] = field(default_factory=dict)
    actors: dict[int, str] = field(default_factory=dict)
    issues: dict[int, str] = field(default_factory=dict)
    roadmap: list[tuple[str, tuple[Any, ...], bool]] = field(default_factory=list)
    strategies: dict[str, str] = field(default_factory=dict)
    params: dict[str, dict[str, tuple[str, bool]]] = field(default_factory=dict)
    levers: dict[str, Lever] = field(default_factory=dict)
    roadmap_outcomes: list[str] = field(default_factory=list)
    forecasts: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    deals: list[tuple[str, str | None, str]] = field(default_factory=list)
    base_data: dict[str, Any] | None = None
    models: dict[str, Any] = field(default_factory=dict)
    vectors: dict[str, np.ndarray] = field(default_factory=dict)


class Evaluator:
    """The experiment's task function: ``evaluator(task, seed_sequence) -> {outcome: value}``.

    Picklable and light: only the experiment is pickled; the plan of what each input changes, the
    road map's data and the models are rebuilt lazily in each process.

    Parameters
    ----------
    experiment : Experiment
        A loaded experiment (:func:`detente.experiments.spec.load_experiment`).
    """

    def __init__(self, experiment: Experiment) -> None:
        self.experiment = experiment
        self._plan: _Plan | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"experiment": self.experiment}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.experiment = state["experiment"]
        self._plan = None

    @property
    def outcomes(self) -> tuple[str, ...]:
        """The output columns, in order."""
        return self.experiment.outcomes

    # --- the plan ---------------------------------------------------------------------------------

    def plan(self) -> _Plan:
        """What inputs change and which outcomes need which run (built once, then cached)."""
        if self._plan is not None:
            return self._plan
        e = self.experiment
        p = _Plan()
        for inp in e.inputs:
            kind = inp.key[0]
            if kind == "stance":
                p.stances.setdefault(inp.key[1], {})[inp.key[2]] = inp.name
            elif kind == "actor":
                p.actors[inp.key[1]] = inp.name
            elif kind == "issue":
                p.issues[inp.key[1]] = inp.name
            elif kind == "roadmap":
                p.roadmap.append((inp.name, inp.key[1:], inp.integer))
            elif kind == "strategy":
                p.strategies[inp.key[1]] = inp.name
            elif kind == "model":
                p.params.setdefault(inp.key[1], {})[inp.key[2]] = (inp.name, inp.integer)
        p.levers = {lv.id: lv for lv in e.lever_list}
        for name in e.outcomes:
            head, _, rest = name.partition(".")
            if head == "roadmap":
                p.roadmap_outcomes.append(rest)
            elif head == "forecast":
                model, _, issue = rest.partition(".")
                p.forecasts.setdefault(model, []).append((name, issue))
            elif head == "deal":
                pid, _, what = rest.rpartition(".")
                p.deals.append((name, pid or None, what))
        if e.process is not None and p.roadmap_outcomes:
            p.base_data = e.process.model_dump()
        for model in p.forecasts:
            if model not in p.params:
                from detente.models import get_model

                p.models[model] = get_model(model, **e.spec.models.get(model, {}))
        if e.packages is not None:
            for pk in e.packages.packages:
                p.vectors[pk.id] = pk.vector(e.scenario)
        self._plan = p
        return p

    # --- one task ---------------------------------------------------------------------------------

    def __call__(self, task: Task, seed: np.random.SeedSequence) -> Outputs:
        """The outcomes of one task (see the module docstring); a pure function of (task, seed)."""
        e = self.experiment
        p = self.plan()
        lever = p.levers.get(task.lever)
        if lever is None:
            raise KeyError(
                f"task {task.run_index} names the lever {task.lever!r}, which the experiment lacks"
            )
        values = task.inputs
        scenario = self._scenario(values, lever)
        out: dict[str, float] = {}
        if p.roadmap_outcomes:
            out.update(self._roadmap(scenario, values, lever, child_sequence(seed, "roadmap")))
        for model, columns in p.forecasts.items():
            out.update(
                self._forecast(model, columns, scenario, values, child_sequence(seed, "forecast", model))
            )
        if p.deals:
            out.update(self._deals(scenario, lever))
        return {name: float(out[name]) for name in e.outcomes}

    def _scenario(self, values: Any, lever: Lever) -> Any:
        e = self.experiment
        p = self.plan()
        s = e.scenario
        if p.stances or p.actors or p.issues:
            stances = list(s.stances)
            for k, fields in p.stances.items():
                stances[k] = stances[k].model_copy(update={f: float(values[n]) for f, n in fields.items()})
            actors = list(s.actors)
            for k, n in p.actors.items():
                actors[k] = actors[k].model_copy(update={"capability": float(values[n])})
            issues = list(s.issues)
            for k, n in p.issues.items():
                issues[k] = issues[k].model_copy(update={"status_quo": float(values[n])})
            s = s.model_copy(
                update={"stances": tuple(stances), "actors": tuple(actors), "issues": tuple(issues)}
            )
        if lever.kind == "coalition":
            from detente.deals.coalition import aligned

            s = aligned(s, lever.actors, dict(lever.target) or None)
        return s

    def _process(self, values: Any, lever: Lever) -> tuple[Any, str]:
        """The road map with the task's inputs, and the id of the policy to run."""
        from detente.process.spec import Process

        e = self.experiment
        p = self.plan()
        assert e.process is not None and p.base_data is not None
        data: Any = p.base_data
        policies = [po.id for po in e.process.policies]
        policy = lever.ref if lever.kind == "policy" else policies[0]
        for name, key, integer in p.roadmap:
            v = float(values[name])
            data = _assign(data, key, round(v) if integer else v)
        for actor, name in p.strategies.items():
            k = policies.index(policy)
            data = _assign(data, ("policies", k, "strategies", actor), str(values[name]))
        if lever.kind == "coalition" and lever.roadmap is not None:
            k = policies.index(policy)
            base = dict(data["policies"][k])
            new_id = f"coalition-{lever.ref}"
            while new_id in policies:
                new_id += "-lever"
            base.update(
                id=new_id,
                name=f"{base['name']} with coalition {lever.ref}",
                coalition={"members": list(lever.actors), **lever.roadmap.model_dump()},
                bundle=True,
            )
            data = _assign(data, ("policies",), [*data["policies"], base])
            policy = new_id
        if data is p.base_data:
            return e.process, policy
        return Process.model_validate(data), policy

    def _roadmap(
        self, scenario: Any, values: Any, lever: Lever, seed: np.random.SeedSequence
    ) -> dict[str, float]:
        from detente.process.simulate import simulate

        e = self.experiment
        p = self.plan()
        process, policy = self._process(values, lever)
        r = simulate(process, scenario, [policy], runs=e.spec.runs_per_sample, seed=_int_seed(seed))[0]
        step = process.time_step.length
        phases = list(r.setup.phases)
        out: dict[str, float] = {}
        for rest in p.roadmap_outcomes:
            group, _, item = rest.partition(".")
            if rest == "completion":
                v = float((r.outcome == 0).mean())
            elif rest == "interim":
                v = float(r.interim_settled().mean())
            elif rest == "breakdown":
                v = float(r.broken.mean())
            elif rest == "escalation":
                v = float(r.escalated.mean())
            elif rest == "ongoing":
                v = float((r.outcome == 3).mean())
            elif rest in ("time_to_interim", "time_to_completion"):
                times = r.interim_time() if rest == "time_to_interim" else r.done_time
                finite = times[np.isfinite(times)]
                v = float(finite.mean() * step) if finite.size else math.nan
            elif group == "reach":
                v = float(np.isfinite(r.reach_time[:, phases.index(item)]).mean())
            elif group == "fail":
                v = float((r.fail_phase == phases.index(item)).mean())
            elif group == "position":
                v = float(r.positions[:, list(r.setup.issues).index(item)].mean())
            else:  # pragma: no cover - the spec checks outcome names
                raise KeyError(rest)
            out[f"roadmap.{rest}"] = v
        return out

    def _forecast(
        self,
        model: str,
        columns: list[tuple[str, str]],
        scenario: Any,
        values: Any,
        seed: np.random.SeedSequence,
    ) -> dict[str, float]:
        from detente.models import get_model

        p = self.plan()
        m = p.models.get(model)
        if m is None:
            params = dict(self.experiment.spec.models.get(model, {}))
            for param, (name, integer) in p.params[model].items():
                v = values[name]
                params[param] = v if isinstance(v, str) else (round(v) if integer else float(v))
            m = get_model(model, **params)
        try:
            f = m.forecast(scenario, seed=seed)
        except ModelError:
            return {name: math.nan for name, _ in columns}
        positions = f.positions()
        return {name: positions[issue] for name, issue in columns}

    def _deals(self, scenario: Any, lever: Lever) -> dict[str, float]:
        from detente.deals.utility import Preferences, status_quo_package
        from detente.deals.veto import judge

        e = self.experiment
        p = self.plan()
        assert e.packages is not None
        prefs = Preferences.from_scenario(scenario)
        reference = status_quo_package(scenario)
        verdicts: dict[str, Any] = {}
        out: dict[str, float] = {}
        for name, pid, what in p.deals:
            target = pid if pid is not None else (lever.ref if lever.kind == "package" else None)
            if target is None:
                out[name] = math.nan
                continue
            if target not in verdicts:
                pk = next(x for x in e.packages.packages if x.id == target)
                verdicts[target] = judge(prefs, p.vectors[target], reference, pk.decision_rule)
            v = verdicts[target]
            out[name] = float(v.passes) if what == "accepted" else float(len(v.vetoes))
        return out


# --- summaries -----------------------------------------------------------------------------------


def describe(experiment: Experiment) -> dict[str, Any]:
    """What the experiment will do, for a dry run: sizes, inputs by kind, levers, outcomes, hash."""
    e = experiment
    samples = n_samples(e)
    tasks = samples * len(e.levers)
    roadmap_runs = tasks * e.spec.runs_per_sample if e.needs_roadmap() else 0
    return {
        "name": e.spec.name,
        "source": e.source,
        "scenario": e.scenario.name,
        "roadmap": e.process.name if e.process is not None else None,
        "packages": [p.id for p in e.packages.packages] if e.packages is not None else [],
        "sampler": e.spec.sampler.model_dump(),
        "inputs": len(e.inputs),
        "inputs_by_kind": dict(Counter(i.kind for i in e.inputs)),
        "levers": list(e.levers),
        "outcomes": list(e.outcomes),
        "samples": samples,
        "tasks": tasks,
        "runs_per_sample": e.spec.runs_per_sample,
        "roadmap_simulations": roadmap_runs,
        "spec_hash": e.spec_hash(),
        "input_list": [
            {"name": i.name, "kind": i.kind, "distribution": i.distribution.describe(), "base": i.base}
            for i in e.inputs
        ],
    }


def summary_lines(experiment: Experiment) -> list[str]:
    """:func:`describe` as lines of text for the command line."""
    d = describe(experiment)
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(d["inputs_by_kind"].items())) or "none"
    sampler = d["sampler"]
    more = ", ..." if len(d["outcomes"]) > 8 else ""
    lines = [
        f"experiment: {d['name']} ({d['source']})",
        f"scenario: {d['scenario']}" + (f"; road map: {d['roadmap']}" if d["roadmap"] else ""),
        f"inputs: {d['inputs']} ({kinds})",
        f"levers: {', '.join(x or '(none)' for x in d['levers'])}",
        f"outcomes: {len(d['outcomes'])} ({', '.join(d['outcomes'][:8])}{more})",
        f"sampler: {sampler['method']}, n={sampler['n']} -> {d['samples']:,} samples x {len(d['levers'])} "
        f"levers = {d['tasks']:,} tasks",
    ]
    if d["roadmap_simulations"]:
        lines.append(
            f"road-map simulations: {d['roadmap_simulations']:,} ({d['runs_per_sample']} runs per task)"
        )
    lines.append(f"spec hash: {d['spec_hash'][:16]}")
    return lines
