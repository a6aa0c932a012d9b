"""Experiment commands: ``detente sweep`` (run, status, results, export), ``sensitivity`` and ``discover``.

``sweep SPEC`` runs an experiment file's design into a results store (SQLite by default, any
database URL with ``--store``), resuming where an earlier attempt stopped. ``sensitivity SPEC`` and
``discover SPEC`` finish the sweep if needed and analyse what the store holds: which inputs move
each outcome (Sobol, Morris or rank regression), what decides the ranking of two levers, and
(PRIM) the boxes of inputs under which a road-map step fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from detente.commands._common import (
    ForceOpt,
    JsonOpt,
    SubcommandFirst,
    commit,
    console,
    err_console,
    json_text,
    outputs,
    print_note,
    print_rows,
)
from detente.errors import ParameterError

__all__ = ["DEFAULT_STORE", "app", "discover", "sensitivity"]

DEFAULT_STORE = "detente-experiments.db"
"""The results store when ``--store`` is not given: an SQLite file in the current folder."""


class _SpecOrSubcommand(SubcommandFirst):
    """``detente sweep SPEC`` runs a sweep; ``detente sweep status|results|export`` are subcommands."""

    target = "an experiment"

    def names_target(self, word: str) -> bool:
        """An embedded experiment's name or an existing file."""
        from detente.experiments.spec import list_experiments

        return word in list_experiments() or Path(word).exists()


app = typer.Typer(
    cls=_SpecOrSubcommand,
    invoke_without_command=True,
    help="Run an experiment (uncertainties x levers x outcomes) into a results store; resumable.",
)

SpecArg = Annotated[
    str,
    typer.Argument(
        help="Experiment file (YAML, format detente-experiment/1) or embedded experiment "
        "(korea-roadmap, korea-estimates).",
        show_default=False,
    ),
]
StoreOpt = Annotated[
    str,
    typer.Option(
        "--store",
        help=f"Results store: an SQLite file (default {DEFAULT_STORE} in this folder) or a database URL "
        "such as postgresql+psycopg://user@host/db.",
    ),
]
SeedOpt = Annotated[
    int | None,
    typer.Option(
        "--seed", min=0, help="Master seed of the design and of every run (default: the file's, or 0)."
    ),
]
BackendOpt = Annotated[
    str | None,
    typer.Option(
        "--backend",
        help="serial, processes or dask (default: serial; processes with --workers; dask with --scheduler).",
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers", "-w", min=1, max=512, help="Local worker processes (processes or a local Dask cluster)."
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", help="Address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786."),
]
BatchOpt = Annotated[
    int | None, typer.Option("--batch-size", min=1, max=10_000, help="Runs per batch (default: automatic).")
]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Folder for the HTML report (report.html).")]


def _backend(backend: str | None, workers: int | None, scheduler: str | None, batch: int | None) -> Any:
    from detente.experiments.backends import BACKENDS, Backend

    if backend is not None and backend not in BACKENDS:
        raise ParameterError(
            f"unknown backend {backend!r}", where="--backend", fix=f"use one of: {', '.join(BACKENDS)}"
        )
    if scheduler is not None and workers is not None:
        raise ParameterError(
            "--workers and --scheduler exclude each other (a scheduler brings its own workers)",
            where="--workers",
            fix="drop --workers, or drop --scheduler to start a local cluster",
        )
    kind = backend or ("dask" if scheduler else "processes" if workers and workers > 1 else "serial")
    return Backend(kind, workers=workers, scheduler=scheduler, batch_size=batch)  # type: ignore[arg-type]


@contextmanager
def _sweep_progress(label: str) -> Iterator[Any]:
    """A progress bar on stderr with runs done, rate and time left; nothing when stderr is not a terminal."""
    if not err_console.is_terminal:
        yield lambda done, total: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}", markup=False),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None, rate="")
        first: list[tuple[int, float]] = []

        def update(done: int, total: int) -> None:
            import time

            now = time.monotonic()
            if not first:
                first.append((done, now))
            d0, t0 = first[0]
            rate = f"{(done - d0) / (now - t0):,.1f} runs/s" if now > t0 and done > d0 else ""
            bar.update(task, completed=done, total=total, rate=rate)

        yield update


def _open(store: str) -> Any:
    from detente.experiments.store import open_store

    return open_store(store)


def _load(spec: str) -> Any:
    from detente.experiments.spec import load_experiment

    return load_experiment(spec)


def _run(spec_arg: str, exp: Any, store: Any, seed: int | None, backend: Any) -> tuple[Any, Any]:
    """Run or resume the sweep with a progress bar; say what happened on stderr."""
    from detente.experiments.study import sweep as run

    with _sweep_progress(f"sweep {exp.spec.name[:40]}") as update:
        design, result = run(exp, store, seed=seed, backend=backend, on_progress=update)
    e = result.experiment
    if result.ran == 0:
        err_console.print(
            f"sweep {e.id} ({spec_arg}, seed {e.seed}) was already complete in {store.url}: "
            f"{e.done:,} runs, nothing run again",
            markup=False,
            soft_wrap=True,
        )
    else:
        what = (
            f"resumed: {result.skipped:,} runs kept, {result.ran:,} run"
            if result.resumed
            else f"{result.ran:,} runs"
        )
        err_console.print(
            f"sweep {e.id} ({spec_arg}, seed {e.seed}) stored in {store.url}: {what}",
            markup=False,
            soft_wrap=True,
        )
    if result.same_name:
        err_console.print(
            f"note: the store also holds sweep(s) {', '.join(map(str, result.same_name))} of the same name "
            "with another spec or seed (kept as they were)",
            markup=False,
            soft_wrap=True,
        )
    return design, result


@app.callback()
def sweep(
    ctx: typer.Context,
    spec: Annotated[
        str | None,
        typer.Argument(
            help="Experiment file (YAML) or embedded experiment (korea-roadmap, korea-estimates).",
            show_default=False,
        ),
    ] = None,
    store: StoreOpt = DEFAULT_STORE,
    seed: SeedOpt = None,
    backend: BackendOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    batch_size: BatchOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what the sweep would run (sizes, inputs, cost) and stop.")
    ] = False,
) -> None:
    """Run an experiment's sweep into the results store, or resume it where it stopped.

    Every run's seed comes from the master seed and the run's index alone, so serial, local
    processes and Dask give identical rows, and a sweep killed at any moment resumes with no run
    lost or stored twice. Then `detente sensitivity SPEC` and `detente discover SPEC` analyse it.
    """
    if ctx.invoked_subcommand is not None:
        return
    if spec is None:
        raise ParameterError(
            "no experiment given",
            where="SPEC",
            fix="name an experiment file or an embedded experiment: detente sweep korea-roadmap",
        )
    from detente.experiments.evaluate import summary_lines

    exp = _load(spec)
    if dry_run:
        for line in summary_lines(exp):
            console.print(line, markup=False, soft_wrap=True)
        return
    b = _backend(backend, workers, scheduler, batch_size)
    st = _open(store)
    try:
        _, result = _run(spec, exp, st, seed, b)
        _print_means(st, result.experiment)
    finally:
        st.close()


def _print_means(st: Any, record: Any, *, limit: int = 12) -> None:
    """Mean and 5-95% range of each outcome per lever (the first ``limit`` outcomes)."""
    import numpy as np

    arrays = st.arrays(record)
    levers = list(dict.fromkeys(arrays.lever.tolist()))
    names = list(arrays.outputs)[:limit]
    rows = []
    for name in names:
        row: dict[str, Any] = {"outcome": name}
        for lv in levers:
            y = arrays.outputs[name][arrays.lever == lv]
            y = y[np.isfinite(y)]
            label = lv.split(":", 1)[-1] or "value"
            if y.size == 0:
                row[label] = "-"
            else:
                lo, hi = np.quantile(y, [0.05, 0.95])
                row[label] = f"{y.mean():.2f} [{lo:.2f}, {hi:.2f}]"
        rows.append(row)
    print_rows(rows, title=f"Sweep {record.id}: {record.name} - mean [5%, 95%] over the sampled inputs")
    if len(arrays.outputs) > limit:
        print_note(
            f"{len(arrays.outputs) - limit} more outcomes: see `detente sweep export {record.id} FILE`."
        )


@app.command()
def status(store: StoreOpt = DEFAULT_STORE) -> None:
    """List the sweeps in a store: runs done of the design, status, seed and provenance."""
    st = _open(store)
    try:
        rows = [
            {
                "id": e.id,
                "name": e.name,
                "seed": e.seed,
                "runs": f"{e.done:,}/{e.n_runs:,}",
                "status": e.status,
                "spec": e.spec_hash[:10],
                "detente": e.detente_version,
                "commit": (e.git_commit or "-")[:10],
                "updated (UTC)": e.updated_at[:19].replace("T", " "),
            }
            for e in st.experiments()
        ]
    finally:
        st.close()
    if not rows:
        console.print(f"{store}: no sweeps yet (run `detente sweep SPEC --store {store}`)", markup=False)
        return
    print_rows(rows, title=f"Sweeps in {store}")


def _record(st: Any, ref: str | None) -> Any:
    """The experiment a command names: its id, or the newest when none is given."""
    exps = st.experiments()
    if not exps:
        raise ParameterError(
            "the store holds no sweeps",
            where="--store",
            fix="run `detente sweep SPEC` first, or name another store",
        )
    if ref is None:
        return exps[-1]
    if not ref.isdigit():
        raise ParameterError(
            f"{ref!r} is not a sweep id",
            where="SWEEP",
            fix=f"give one of the ids `detente sweep status` lists: {', '.join(str(e.id) for e in exps)}",
        )
    for e in exps:
        if e.id == int(ref):
            return e
    raise ParameterError(
        f"there is no sweep {ref} in the store",
        where="SWEEP",
        fix=f"use one of: {', '.join(str(e.id) for e in exps)}",
    )


@app.command()
def results(
    sweep_id: Annotated[
        str | None,
        typer.Argument(metavar="SWEEP", help="Sweep id (see `detente sweep status`); default: newest."),
    ] = None,
    store: StoreOpt = DEFAULT_STORE,
    json_out: JsonOpt = None,
    force: ForceOpt = False,
) -> None:
    """Summarise a stored sweep: each outcome's mean and 5-95% range per lever."""
    with outputs([json_out], force=force) as files:
        st = _open(store)
        try:
            record = _record(st, sweep_id)
            _print_means(st, record, limit=10_000)
            if json_out is not None:
                import numpy as np

                arrays = st.arrays(record)
                data: dict[str, Any] = {
                    "sweep": record.id,
                    "name": record.name,
                    "seed": record.seed,
                    "levers": {},
                }
                for lv in dict.fromkeys(arrays.lever.tolist()):
                    mask = arrays.lever == lv
                    summary = {}
                    for name, y in arrays.outputs.items():
                        v = y[mask]
                        v = v[np.isfinite(v)]
                        summary[name] = (
                            None
                            if v.size == 0
                            else {
                                "mean": float(v.mean()),
                                "q05": float(np.quantile(v, 0.05)),
                                "q95": float(np.quantile(v, 0.95)),
                                "n": int(v.size),
                            }
                        )
                    data["levers"][lv] = summary
                files.add(json_out, json_text(data))
        finally:
            st.close()
        commit(files)


@app.command()
def export(
    sweep_id: Annotated[str, typer.Argument(metavar="SWEEP", help="Sweep id (see `detente sweep status`).")],
    out: Annotated[
        Path, typer.Argument(metavar="FILE", help="Output file: .csv or .json (one row per run).")
    ],
    store: StoreOpt = DEFAULT_STORE,
    force: ForceOpt = False,
) -> None:
    """Write every run of a sweep (inputs, outputs, lever, seed) to a CSV or JSON file."""
    if out.suffix.lower() not in (".csv", ".json"):
        raise ParameterError(
            f"cannot tell the format of {out.name!r}", where="FILE", fix="end the file name in .csv or .json"
        )
    import tempfile

    with outputs([out], force=force) as files:
        st = _open(store)
        try:
            record = _record(st, sweep_id)
            with tempfile.TemporaryDirectory() as tmp:
                path = st.export(record, Path(tmp) / f"export{out.suffix.lower()}")
                files.add(out, path.read_text(encoding="utf-8"))
        finally:
            st.close()
        commit(files)


# --- analyses ---------------------------------------------------------------------------------------


def _analysed(spec: str, store: str, seed: int | None, backend: Any) -> tuple[Any, Any, Any, Any]:
    """Load the experiment, finish its sweep if needed, and read its runs back from the store."""
    exp = _load(spec)
    st = _open(store)
    try:
        design, result = _run(spec, exp, st, seed, backend)
        arrays = st.arrays(result.experiment)
    finally:
        st.close()
    return exp, design, result.experiment, arrays


def _report(out: Path, title: str, sections: list[Any], files: Any, command: str) -> None:
    from detente.report.html import render_html

    files.add(out / "report.html", render_html(title, sections, command=command))


def sensitivity(
    spec: SpecArg,
    store: StoreOpt = DEFAULT_STORE,
    seed: SeedOpt = None,
    outcome: Annotated[
        list[str] | None, typer.Option("--outcome", help="Outcome to analyse (repeatable); default: all.")
    ] = None,
    lever: Annotated[
        list[str] | None, typer.Option("--lever", help="Lever id to analyse (repeatable); default: all.")
    ] = None,
    compare: Annotated[
        list[str] | None,
        typer.Option(
            "--compare",
            help="Two lever ids A,B whose ranking to explain (repeatable); default: the first lever "
            "against each other.",
        ),
    ] = None,
    compare_outcome: Annotated[
        str | None,
        typer.Option("--compare-outcome", help="Outcome the levers are ranked by; default: the first."),
    ] = None,
    backend: BackendOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    out: OutOpt = None,
    json_out: JsonOpt = None,
    force: ForceOpt = False,
) -> None:
    """What moves each outcome: Sobol indices (or Morris, or rank regression) per lever and outcome.

    Runs or resumes the experiment's sweep first. Then ranks the inputs by influence for each
    outcome, and says which inputs decide the ranking of pairs of levers. --out DIR writes a report
    with bar charts and intervals.
    """
    from detente.experiments.analysis import rank_inputs
    from detente.experiments.study import analyse

    pairs = None
    if compare:
        pairs = []
        for text in compare:
            parts = [p.strip() for p in text.split(",")]
            if len(parts) != 2 or not all(parts):
                raise ParameterError(
                    f"--compare {text!r} does not name two levers", where="--compare", fix="write it as A,B"
                )
            pairs.append((parts[0], parts[1]))
    paths = [json_out] + ([out / "report.html"] if out is not None else [])
    with outputs(paths, force=force) as files:
        b = _backend(backend, workers, scheduler, None)
        exp, design, record, arrays = _analysed(spec, store, seed, b)
        pairs = [(_lever_id(design, a), _lever_id(design, c)) for a, c in pairs] if pairs else None
        levers = [_lever_id(design, lv) for lv in lever] if lever else None
        an = analyse(
            exp,
            design,
            arrays,
            outcomes=outcome,
            levers=levers,
            compare=pairs,
            compare_outcome=compare_outcome,
            seed=record.seed,
        )
        infos = {i.name: i for i in an.inputs}
        console.print(
            f"{an.name}: {an.method} design, {an.n_samples:,} input samples per lever"
            + (f", {an.runs_per_sample} road-map runs per sample" if exp.needs_roadmap() else "")
            + f"; sweep {record.id} in {store}.",
            markup=False,
            soft_wrap=True,
        )
        for res in an.sensitivities:
            ranked = rank_inputs(res, an.inputs)[:8]
            rows = []
            for r in ranked:
                row = r.row()
                rows.append({k: row[k] for k in list(row)[:6]})
            print_rows(
                rows, title=f"{res.outcome} under {res.lever or 'the sweep'}: inputs ranked by influence"
            )
            for note in res.warnings:
                print_note(f"warning: {note}", err=False)
        for dep in an.dependences:
            _print_dependence(dep, infos)
        if not an.sensitivities:
            print_note("No outcome varied over the sampled inputs: nothing to apportion.")
        if json_out is not None:
            data = an.to_json_dict()
            data["sweep"] = record.id
            files.add(json_out, json_text(data))
        if out is not None:
            from detente.report.experiments import experiment_analysis_section

            section = experiment_analysis_section(
                an.sensitivities,
                an.dependences,
                (),
                an.inputs,
                description=_description(exp, design, record),
            )
            _report(out, f"Sensitivity: {an.name}", [section], files, f"detente sensitivity {spec}")
        commit(files)


def _lever_id(design: Any, text: str) -> str:
    """A lever as typed (``engagement``) or in full (``policy:engagement``) -> its id in the design."""
    if text in design.levers:
        return text
    matches = [lv for lv in design.levers if lv.split(":", 1)[-1] == text]
    if len(matches) == 1:
        return matches[0]
    raise ParameterError(
        f"the experiment has no lever {text!r}",
        where="--lever",
        fix=f"use one of: {', '.join(lv.split(':', 1)[-1] for lv in design.levers)}",
    )


def _print_dependence(dep: Any, infos: dict[str, Any]) -> None:
    better = "higher" if dep.higher_is_better else "lower"
    head = (
        f"{dep.lever_a} against {dep.lever_b} on {dep.outcome} ({better} is better): {dep.lever_a} does "
        f"better in {dep.share_a_better:.0%} of the sampled inputs "
        f"[{dep.share_low:.0%}, {dep.share_high:.0%}], ties {dep.n_ties}"
    )
    if dep.decisive:
        head += f"; decided by {', '.join(dep.decisive[:4])}"
    print_note(head + ".")
    res = dep.indicator if getattr(dep, "indicator", None) is not None else dep.difference
    from detente.experiments.analysis import rank_inputs

    rows = []
    for r in rank_inputs(res, list(infos.values()))[:5]:
        row = r.row()
        rows.append({k: row[k] for k in list(row)[:6]})
    print_rows(rows, title=f"What decides {dep.lever_a} against {dep.lever_b}")


def _description(exp: Any, design: Any, record: Any) -> str:
    """What the analysed numbers are: the outcomes, the design that drew the inputs, the scenario."""
    runs = int(exp.spec.runs_per_sample or 0)
    cond = (
        f"Outcomes are shares of {runs} simulated runs of the road map per sample"
        if runs and exp.needs_roadmap()
        else "Outcomes are the models' forecasts"
    )
    return (
        f"{cond}, under inputs drawn by a {design.method} design ({design.n_samples:,} samples per "
        f"lever, seed {record.seed}); scenario {exp.scenario.name} as of "
        f"{exp.scenario.as_of or 'undated'}. "
        "They say what the numbers in the files imply over the stated ranges, not what will happen."
    )


def discover(
    spec: SpecArg,
    store: StoreOpt = DEFAULT_STORE,
    seed: SeedOpt = None,
    outcome: Annotated[
        list[str] | None,
        typer.Option(
            "--outcome", help="Outcome of interest (repeatable); default: every road-map step's failure."
        ),
    ] = None,
    lever: Annotated[
        list[str] | None, typer.Option("--lever", help="Lever id (repeatable); default: all.")
    ] = None,
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold",
            min=0.0,
            max=1.0,
            help="A sample is a case of interest when its outcome (e.g. the share of runs failing) "
            "exceeds this.",
        ),
    ] = 0.5,
    density: Annotated[
        float, typer.Option("--density", min=0.05, max=1.0, help="Least share of cases inside a box.")
    ] = 0.8,
    boxes: Annotated[int, typer.Option("--boxes", min=1, max=10, help="Most boxes per outcome.")] = 2,
    max_inputs: Annotated[
        int, typer.Option("--max-inputs", min=1, max=50, help="Most inputs a box may restrict.")
    ] = 4,
    backend: BackendOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    out: OutOpt = None,
    json_out: JsonOpt = None,
    force: ForceOpt = False,
) -> None:
    """Scenario discovery (PRIM): the conditions under which each road-map step fails.

    Runs or resumes the sweep first. Each box is a range of a few inputs inside which the outcome
    of interest concentrates; coverage is the share of all cases inside the box, density the share
    of the box's samples that are cases. Each box becomes signposts (inputs to watch) and triggers.
    """
    from detente.experiments.analysis import signposts
    from detente.experiments.study import discover as find
    from detente.experiments.study import input_infos

    paths = [json_out] + ([out / "report.html"] if out is not None else [])
    with outputs(paths, force=force) as files:
        b = _backend(backend, workers, scheduler, None)
        exp, design, record, arrays = _analysed(spec, store, seed, b)
        levers = [_lever_id(design, lv) for lv in lever] if lever else None
        results = find(
            exp,
            design,
            arrays,
            outcomes=outcome,
            levers=levers,
            threshold=threshold,
            density=density,
            max_boxes=boxes,
            max_dims=max_inputs,
        )
        infos = input_infos(design)
        if not results:
            print_note(
                f"No outcome separates cases from non-cases at threshold {threshold:g}: in every lever each "
                "outcome is above it in all samples or in none. Try another --threshold."
            )
        for res in results:
            rows = []
            for k, box in enumerate(res.boxes, start=1):
                rows.append(
                    {
                        "box": k,
                        "conditions": box.conditions() or "(no restriction)",
                        "coverage": f"{box.coverage:.0%}",
                        "density": f"{box.density:.0%}",
                        "samples in box": box.n_cases,
                    }
                )
            title = f"{res.case} under {res.lever}" if res.lever else res.case
            print_rows(rows, title=f"{title}: base rate {res.base_rate:.0%} of {res.n_runs} samples")
            for line in signposts(res, infos):
                print_note(line)
        if json_out is not None:
            files.add(
                json_out,
                json_text(
                    {"sweep": record.id, "threshold": threshold, "prim": [r.to_json_dict() for r in results]}
                ),
            )
        if out is not None:
            from detente.report.experiments import experiment_analysis_section

            section = experiment_analysis_section(
                (),
                (),
                results,
                infos,
                title="Scenario discovery: when each step fails",
                description=_description(exp, design, record),
            )
            _report(out, f"Scenario discovery: {exp.spec.name}", [section], files, f"detente discover {spec}")
        commit(files)
