"""Fuzz campaign: thousands of mutated input files through the real ``detente`` command line.

detente promises that any input runs (exit 0) or is refused with exit 2 and one stderr line
(``error: FILE: line N, field: problem. Fix: ...``), never a traceback. This measures the promise: seed
files (the scenarios and data shipped in the package, big ones truncated, and scenarios re-serialised
as detente JSON and record CSV) get 1-3 seeded mutations (byte, token, structure, encoding, size) and
go, each in a scratch folder of its own, through a command that takes that kind of file.

Hard failures: ``traceback``; ``internal-error`` (exit 70, detente's one line for a bug; the traceback
is in a crash file); ``timeout``; ``exit-other`` (not 0, 2 or 70); ``multi-line`` (exit 2 with more
than one stderr line); ``noise`` (a stderr line not starting error:/warning:/note:/wrote); ``tmp-left``
(a hidden ``.tmp`` file left behind). Soft: ``no-file-named`` (the error does not name the input file),
``no-fix`` (no ". Fix: "). Inputs over ``--size-limits`` (LARGE_* below) are marked "large".

    python benchmarks/fuzz_campaign.py --n 2000 --seed 1 --out results.json --save-failures fails/
    python benchmarks/fuzz_campaign.py --n 300 --runner subprocess --record-all --out sub.json
    python benchmarks/fuzz_campaign.py --compare fork.json sub.json  # the runners agree? (--record-all)

Runners: ``fork`` (default) imports ``detente.cli`` once and forks a child per input that calls
``detente.cli.main()`` with fd 1/2 redirected to files; ``subprocess`` starts a real ``detente`` per
input (the reference, ~0.5-1 s slower each). Inputs and commands depend only on ``--seed``, ``--n``
and ``--commands``. Exit status 1 if any input failed hard.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import io
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path

LARGE_ACTORS = 1_000  # actors (or DEU rows) from which an input counts as "large"
LARGE_DIMS = 100  # dimensions (issues) from which an input counts as "large"
LARGE_KEYS = 10_000  # YAML/JSON keys from which an input counts as "large"
ENV = {"MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
os.environ.update(ENV)  # before anything imports numpy, here or in a child
HARD = ("traceback", "internal-error", "timeout", "exit-other", "multi-line", "noise", "tmp-left")
SOFT = ("no-file-named", "no-fix")
PRELOAD = re.findall(  # modules the commands import lazily: the fork runner's parent imports them once
    r"\S+",
    "detente.models detente.models.compare detente.report.run detente.report.tables detente.deals.analysis "
    "detente.deals.package detente.process.simulate detente.process.io detente.process.analysis "
    "detente.process.setup detente.validation.deu detente.validation.run detente.report.validation "
    "detente.report.console detente.scenarios.known matplotlib.pyplot",
)

# name: (kind of input, weight, argv template); {f} is the input file, {ext} a random output suffix
COMMANDS = {
    "validate": ("scenario", 3.0, "validate {f}"),
    "convert": ("scenario", 2.0, "convert {f} out.{ext}"),
    "show": ("scenario", 1.0, "show {f}"),
    "forecast-smp": ("scenario", 1.0, "forecast {f} --model smp"),
    "forecast-eu": ("scenario", 1.0, "forecast {f} --model expected-utility"),
    "forecast-compromise": ("scenario", 1.0, "forecast {f} --model compromise"),
    "run": ("scenario", 0.5, "run {f} --out rep --model compromise --model median"),
    "run-all": ("scenario", 0.04, "run {f} --out rep"),
    "coalition": ("scenario", 0.8, "coalition {f}"),
    "roadmap": ("roadmap", 1.0, "roadmap --process {f} --runs 50"),
    "roadmap-check": ("roadmap", 1.0, "roadmap check --process {f}"),
    "deal": ("package", 1.5, "deal korea --package {f}"),
    "backtest": ("deu", 1.5, "backtest deu {f} --model compromise --jobs 1"),
}
KIND_OF = {"yaml": "scenario", "json": "scenario", "rcsv": "scenario", "ktab": "scenario", "bdm": "scenario"}
KIND_OF.update(roadmap="roadmap", package="package", deu="deu")
CSV_FORMATS = ("rcsv", "ktab", "bdm", "deu")
BDM = "bdm/scholz_EC_emissions_ExampleActors.csv"
ROOT = Path(__file__).resolve().parent


# --- seeds -----------------------------------------------------------------------------------------
def build_seeds() -> list[tuple[str, str, bytes]]:
    """(file name, format, bytes) of every seed: shipped files (big ones truncated) and conversions."""
    import detente
    from detente.scenario.io import dumps_scenario, load_scenario

    sc = Path(detente.__file__).parent / "scenarios"
    files = {"korea-2017-11.yaml": "yaml", "ec-emissions.yaml": "yaml", "korea_roadmap.yaml": "roadmap"}
    files.update({"korea_packages.yaml": "package", BDM: "bdm"})
    for name in ("SOE-Pol-Comp", "dummyData_3Dim", "dummyData_6Dim", "dummyData-a040"):
        files[f"ktab/{name}.csv"] = "ktab"
    out = [(Path(p).name, fmt, (sc / p).read_bytes()) for p, fmt in files.items()]
    for p, n in (("ktab/dummyData-a080.csv", 30), ("ktab/dummyData-a160.csv", 20)):
        lines = (sc / p).read_text().splitlines()
        head = lines[0].split(",")
        head[2] = f" {n}"  # the actor count of KTAB's line 1
        text = "\n".join([",".join(head), *lines[1 : n + 2], ""])
        out.append((f"{Path(p).stem}-first{n}.csv", "ktab", text))
    deu = (sc.parent / "data/deu/deu_dev.csv").read_text().splitlines()
    out.append(("deu_dev-first20.csv", "deu", "\n".join([*deu[:21], ""])))
    for p in ("korea-2017-11.yaml", "ec-emissions.yaml", "ktab/dummyData_3Dim.csv", BDM):
        s = load_scenario(sc / p)  # what `detente convert FILE x.json` / `x.csv` writes
        out.append((f"{Path(p).stem}-converted.json", "json", dumps_scenario(s, "json")))
        out.append((f"{Path(p).stem}-converted.csv", "rcsv", dumps_scenario(s, "csv")))
    return [(n, f, d.encode() if isinstance(d, str) else d) for n, f, d in out]


# --- mutators: (rng, data, fmt) -> (data, label) ----------------------------------------------------
NASTY_NUMBERS = "1e308|1.7976931348623157e308|-0|1e-320|NaN|inf|-inf|12345678901234567890|²|١٢|9e1|0x10|"
NASTY_NUMBERS = [*(NASTY_NUMBERS + "1e309|-1|1_0|.5|+5|0.1e-400|5.").split("|"), "9" * 5000]
NASTY_TEXT = "<script>alert(1)</script>|\x01\x02\x1b[31m\x7f|\"|'|\u202e|null|~|yes|{|[|*a|%s%n|\\|é😀||  "
NASTY_TEXT = [*NASTY_TEXT.split("|"), "!!python/object:os.system", "A" * 3000, "B" * 60000]
YAML_TAGS = "!!int 0x10|!!timestamp 2024-02-30|!!binary aGVsbG8=|!!float .nan|!!str 5|2024-02-30|!!null ''"
YAML_TAGS = [*YAML_TAGS.split("|"), "!!python/object/apply:os.system ['true']", "!!set {a, b}", "!!bool yes"]
NUM_RE = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")
WORD_RE = re.compile(r"[A-Za-z][A-Za-z_-]{2,}")
KEY_RE = re.compile(r"^(\s*)(- )?([A-Za-z_][\w-]*):(.*)$")
INSERTS = [b"\x00", b"\xff", b'"', b",", b":", b"\n", b"-", b"{", b"[", b"&", b"*", b"!", b"\t", b"\\"]


def dec(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def enc(t: str) -> bytes:
    return t.encode("utf-8", "surrogateescape")


def m_bytes(rng, b, fmt):
    op, k = rng.choice(["flip", "delete", "insert", "duplicate", "truncate"]), rng.randrange(len(b) + 1)
    a = rng.randrange(len(b) + 1)
    z = min(len(b), a + rng.randint(1, 400 if op == "duplicate" else 64))
    if op == "flip" and b:
        k = min(k, len(b) - 1)
        return b[:k] + bytes([b[k] ^ (1 << rng.randrange(8))]) + b[k + 1 :], f"bytes.flip@{k}"
    if op == "delete":
        return b[:a] + b[z:], f"bytes.delete@{a}:{z}"
    if op == "duplicate":
        return b[:k] + b[a:z] + b[k:], f"bytes.duplicate{a}:{z}@{k}"
    if op == "truncate":
        return b[:k], f"bytes.truncate@{k}"
    ins = rng.choice(INSERTS) * rng.randint(1, 3)
    return b[:k] + ins + b[k:], f"bytes.insert{ins!r}@{k}"


def m_token(rng, b, fmt):
    t = dec(b)
    if rng.random() < 0.65 and (nums := list(NUM_RE.finditer(t))):
        m, new = rng.choice(nums), rng.choice(NASTY_NUMBERS)
    elif words := list(WORD_RE.finditer(t)):
        m, new = rng.choice(words), rng.choice(NASTY_TEXT)
    else:
        return m_bytes(rng, b, fmt)
    label = f"token {m.group()[:20]!r}->{new[:20]!r}({len(new)} chars)@{m.start()}"
    return enc(t[: m.start()] + new + t[m.end() :]), label


def _delim(line: str) -> str:
    return max((",", ";", "\t"), key=line.count)


def _csv_rows(t: str) -> tuple[str, list[list[str]]]:
    d = _delim(t.split("\n", 1)[0])
    return d, [r for r in csv.reader(io.StringIO(t), delimiter=d) if any(c.strip() for c in r)]


def _csv_text(d: str, rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=d, lineterminator="\n").writerows(rows)
    return enc(buf.getvalue())


def m_csv_struct(rng, b, fmt):
    d, rows = _csv_rows(dec(b))
    if not rows:
        return m_bytes(rng, b, fmt)
    op = rng.choice(["del-col", "dup-col", "swap-col", "del-row", "dup-row", "swap-row"])
    width = max(len(r) for r in rows)
    i, j = rng.randrange(width), rng.randrange(width)
    r1, r2 = rng.randrange(len(rows)), rng.randrange(len(rows))
    if op == "del-col":
        rows = [r[:i] + r[i + 1 :] for r in rows]
    elif op == "dup-col":
        rows = [r[: i + 1] + r[i : i + 1] + r[i + 1 :] for r in rows]
    elif op == "swap-col":
        for r in rows:
            if max(i, j) < len(r):
                r[i], r[j] = r[j], r[i]
    elif op == "del-row":
        del rows[r1]
    elif op == "dup-row":
        rows.insert(r2, list(rows[r1]))
    else:
        rows[r1], rows[r2] = rows[r2], rows[r1]
    return _csv_text(d, rows), f"csv.{op}(cols {i},{j}; rows {r1},{r2})"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _block_end(lines: list[str], k: int) -> int:
    """End (exclusive) of the YAML block at line k: deeper lines, and a key's list at its own indent."""
    base, item, z = _indent(lines[k]), lines[k].lstrip().startswith("- "), k + 1
    while z < len(lines) and (
        not lines[z].strip()
        or _indent(lines[z]) > base
        or (not item and _indent(lines[z]) == base and lines[z].lstrip().startswith("- "))
    ):
        z += 1
    return z


def m_yaml_struct(rng, b, fmt):
    lines = dec(b).split("\n")
    keys = [k for k, ln in enumerate(lines) if KEY_RE.match(ln)]
    scalars = [k for k in keys if KEY_RE.match(lines[k]).group(4).strip()[:1] not in ("", ">", "|", "{", "[")]
    items = [k for k, ln in enumerate(lines) if ln.lstrip().startswith("- ")] or keys
    op = rng.choice(["del-item", "dup-item", "del-key", "swap-values", "misspell", "tag", "alias", "date"])
    if not keys or (len(scalars) < 2 and op in ("swap-values", "alias", "tag", "date")):
        return m_bytes(rng, b, fmt)
    k = rng.choice(keys if op in ("del-key", "misspell") else scalars if op in ("tag", "date") else items)
    m = KEY_RE.match(lines[k])
    if op in ("del-item", "dup-item", "del-key"):
        z = _block_end(lines, k)
        lines[k:z] = lines[k:z] * 2 if op == "dup-item" else []
    elif op in ("swap-values", "alias"):
        k, j = sorted(rng.sample(scalars, 2))
        mk, mj = KEY_RE.match(lines[k]), KEY_RE.match(lines[j])
        new_k, new_j = (mj.group(4), mk.group(4)) if op == "swap-values" else (" &a" + mk.group(4), " *a")
        lines[k], lines[j] = lines[k][: mk.start(4)] + new_k, lines[j][: mj.start(4)] + new_j
    elif op == "misspell":
        key, p = m.group(3), rng.randrange(len(m.group(3)))
        new = rng.choice([key[:p] + key[p + 1 :], key[:p] + key[p] + key[p:], key.upper(), key + "s"])
        lines[k] = lines[k][: m.start(3)] + new + lines[k][m.end(3) :]
    elif op == "tag":
        lines[k] = lines[k][: m.start(4)] + " " + rng.choice(YAML_TAGS)
    else:  # an unquoted impossible date where a key was
        lines[k] = lines[k][: m.start(3)] + "date: 2024-02-30"
    return enc("\n".join(lines)), f"yaml.{op}@line{k + 1}"


def m_json_struct(rng, b, fmt):
    data, nodes = json.loads(dec(b)), []

    def walk(x, depth=0):
        if isinstance(x, dict | list) and x and depth < 6:
            nodes.append(x)
            for v in x.values() if isinstance(x, dict) else x:
                walk(v, depth + 1)

    walk(data)
    node = rng.choice(nodes)
    keys = list(node) if isinstance(node, dict) else list(range(len(node)))
    key, other = rng.choice(keys), rng.choice(keys)
    op = rng.choice(["delete", "duplicate", "swap", "misspell", "replace", "nest"])
    if op == "delete":
        del node[key]
    elif op == "duplicate" and isinstance(node, list):
        node.insert(key, json.loads(json.dumps(node[key])))
    elif op == "swap":
        node[key], node[other] = node[other], node[key]
    elif op == "misspell" and isinstance(node, dict):
        node[key[:-1] + key[-1:].upper() * 2] = node.pop(key)
    elif op == "nest":
        node[key] = json.loads("[" * 1500 + "1" + "]" * 1500) if rng.random() < 0.3 else [node[key]]
    else:
        op = "replace"
        node[key] = rng.choice([None, [], {}, "", 1e308, float("nan"), True, "x" * 1000, -1, 10**30])
    return enc(json.dumps(data, indent=1, ensure_ascii=False)), f"json.{op}[{str(key)[:20]}]"


def m_struct(rng, b, fmt):
    if fmt == "json":
        with contextlib.suppress(ValueError, RecursionError, IndexError):
            return m_json_struct(rng, b, fmt)
    return (m_csv_struct if fmt in CSV_FORMATS else m_yaml_struct)(rng, b, fmt)


def m_encoding(rng, b, fmt):
    op = rng.choice(["bom", "latin1", "utf16", "crlf", "cr", "nul", "empty", "header", "quotes", "huge"])
    t = dec(b)
    k = rng.randrange(len(t) + 1)
    if op == "bom":
        return b"\xef\xbb\xbf" * rng.randint(1, 2) + b, "enc.bom"
    if op == "latin1":
        return (t[:k] + "Müller Zürich" + t[k:]).encode("latin-1", "replace"), f"enc.latin1@{k}"
    if op == "utf16":
        return t.encode(rng.choice(["utf-16", "utf-16-le"]), "surrogatepass"), "enc.utf16"
    if op in ("crlf", "cr"):
        return enc(t.replace("\n", "\r\n" if op == "crlf" else "\r")), f"enc.{op}"
    if op == "nul":
        return enc(t[:k]) + b"\x00" + enc(t[k:]), f"enc.nul@{k}"
    if op == "empty":
        return rng.choice([b"", b"\n", b" \n\t\n"]), "enc.empty"
    if op == "header":
        return enc("\n".join(t.split("\n")[: 2 if fmt == "ktab" else 1]) + "\n"), "enc.header-only"
    if op == "quotes":
        return b'""', "enc.lone-quotes"
    big = "x" * rng.randint(128 * 1024 + 1, 160 * 1024)  # a field over 128 KiB (csv's default limit)
    spots = list((NUM_RE if fmt in CSV_FORMATS else WORD_RE).finditer(t)) or [re.match("", t)]
    m = rng.choice(spots)
    return enc(t[: m.start()] + big + t[m.end() :]), f"enc.huge-field({len(big)})@{m.start()}"


def _put(row: list[str], col: int | None, value: str) -> list[str]:
    row = list(row)
    if col is not None and col < len(row):
        row[col] = value
    return row


def _grow_csv(rng, rows, fmt, n):
    if fmt == "ktab" and rng.random() < 0.3:  # 300 dimensions
        head = _put(rows[0] + [""] * 4, 3, "300")[: max(4, len(rows[0]))]
        hdr = ["Actor", "Description", "Influence", *(f"D{k} {w}" for k in range(300) for w in ("P", "S"))]
        body = [[r[0], "x", "50", *(f"{rng.uniform(0, 100):.1f}" for _ in range(600))] for r in rows[2:]]
        return [head, hdr, *body], "size.ktab-300-dims"
    first = 2 if fmt == "ktab" else 1
    body = rows[first:] or [["a", "b", "1", "50", "50"]]
    if fmt == "rcsv":  # copies of actor rows with new ids, and of their stance rows
        col = {h: k for k, h in enumerate(rows[0])}
        actors = [r for r in rows if r[0] == "actor"] or [["actor", "A", "A", "", "", "1"]]
        new = []
        for k in range(n - len(actors)):
            a = actors[k % len(actors)]
            old = a[col.get("id", 1)] if col.get("id", 1) < len(a) else ""
            new.append(_put(a, col.get("id", 1), f"z{k}"))
            for s in (s for s in rows if s[0] == "stance" and old in s):
                for c, v in (("actor", f"z{k}"), ("quote", ""), ("source", ""), ("basis", "estimate")):
                    s = _put(s, col.get(c), v)
                new.append(s)
        return rows + new, f"size.actors={n}"
    col = rows[0].index("isnr") if fmt == "deu" and "isnr" in rows[0] else 0
    rows_k = ((k, body[k % len(body)]) for k in range(n))  # DEU: new issue ids; else new actor names
    new = [_put(r, col, f"z99n{k}i1" if col else f"{r[0]}-{k}") for k, r in rows_k]
    if fmt == "ktab" and rng.random() < 0.9:
        rows[0] = _put(rows[0], 2, str(n))
    return rows[:first] + new, f"size.rows={n}"


def m_size(rng, b, fmt):
    n, t = rng.choices([1000, 2000, 10000], [6, 3, 1])[0], dec(b)
    if fmt in CSV_FORMATS and (parsed := _csv_rows(t))[1]:
        rows, label = _grow_csv(rng, parsed[1], fmt, n)
        return _csv_text(parsed[0], rows), label
    if fmt in ("yaml", "json") and rng.random() < 0.7:
        import yaml

        with contextlib.suppress(Exception):
            data = json.loads(t) if fmt == "json" else yaml.safe_load(t)
            actors, issues = data["actors"], [i["id"] for i in data["issues"]]
            for k in range(n - len(actors)):
                a = actors[k % len(actors)]
                actors.append({"id": f"z{k}", "name": f"Z {k}", "capability": a.get("capability", 1)})
                for i in issues:
                    st = {"actor": f"z{k}", "issue": i, "position": (k * 37) % 101, "salience": 50}
                    data["stances"].append({**st, "basis": "estimate", "note": "fuzz"})
            out = json.dumps(data) if fmt == "json" else yaml.safe_dump(data, sort_keys=False, width=1000)
            return enc(out), f"size.actors={n}"
    keys = "".join(f"  k{k}: {k}\n" for k in range(n * 20))
    return enc(t.rstrip("\n") + "\nmany_keys:\n" + keys), f"size.keys={n * 20}"


MUTATORS = {"bytes": m_bytes, "token": m_token, "struct": m_struct, "encoding": m_encoding, "size": m_size}
WEIGHTS = {"bytes": 25, "token": 32, "struct": 25, "encoding": 14, "size": 4}


def count_size(b: bytes, fmt: str) -> tuple[int, int, int]:
    """Rough (actors, dimensions, keys) of an input, read from its text."""
    t = b.decode("utf-8", "replace").replace("\r", "\n")
    lines, keys = [ln for ln in t.split("\n") if ln.strip()], t.count(": ") + t.count('":')
    if fmt in ("yaml", "json", "roadmap", "package"):
        return t.count("capability"), t.count("meaning_0"), keys
    if fmt == "rcsv":
        return sum(ln[:6] == "actor," for ln in lines), sum(ln[:6] == "issue," for ln in lines), keys
    if fmt == "ktab" and len(lines) > 1:
        return len(lines) - 2, max(0, (len(lines[1].split(_delim(lines[1]))) - 3) // 2), keys
    return max(0, len(lines) - 1), 1, keys


def make_case(i: int, seed: int, seeds: dict[str, list], names: list[str], limits: tuple[int, ...]) -> dict:
    """Input i of the campaign (deterministic in seed, i and the command list)."""
    rng = random.Random(f"{seed}:{i}")
    name = rng.choices(names, [COMMANDS[c][1] for c in names])[0]
    kind, _, template = COMMANDS[name]
    seed_name, fmt, data = rng.choice(seeds[kind])
    recipe = []
    for _ in range(rng.choice([1, 1, 2, 2, 3])):
        cat = rng.choices(list(WEIGHTS), list(WEIGHTS.values()))[0]
        try:
            data, label = MUTATORS[cat](rng, data, fmt)
        except Exception as exc:  # a mutator that cannot apply to this (already mutated) input
            label = f"{cat}:skipped({type(exc).__name__})"
        recipe.append(label)
    file = "input" + Path(seed_name).suffix
    argv = template.format(f=file, ext=rng.choice(["yaml", "json", "csv"])).split()
    actors, dims, keys = count_size(data, fmt)
    large = actors >= limits[0] or dims >= limits[1] or keys >= limits[2]
    case = dict(index=i, command=name, argv=argv, seed_file=seed_name, file=file, recipe=recipe, data=data)
    return case | {"actors": actors, "dims": dims, "large": large}


# --- runners ---------------------------------------------------------------------------------------
def _limit_memory(mb: int) -> None:
    if mb > 0:
        resource.setrlimit(resource.RLIMIT_AS, (mb * 2**20, mb * 2**20))


class SubprocessRunner:
    """A real ``detente`` process per input."""

    def __init__(self, exe: str, mem_mb: int) -> None:
        self.exe, self.mem_mb = exe, mem_mb

    def start(self, argv, cwd, out, err):
        with open(out, "wb") as fo, open(err, "wb") as fe:
            limit = self.mem_mb
            return subprocess.Popen(
                [self.exe, *argv], cwd=cwd, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe,
                start_new_session=True, preexec_fn=lambda: _limit_memory(limit),
                env={**os.environ, "DETENTE_CRASH_DIR": str(cwd)},
            )  # fmt: skip

    def poll(self, h):
        return h.poll()

    def kill(self, h):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(h.pid, signal.SIGKILL)
        h.wait()


class ForkRunner:
    """``detente.cli`` imported once; a forked child per input calls ``detente.cli.main()``."""

    def __init__(self, exe: str, mem_mb: int) -> None:
        import importlib

        self.exe, self.mem_mb = exe, mem_mb
        # Import with non-terminal streams, as a real run with redirected output sees them: rich
        # decides at import time whether its consoles write colour codes.
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            self.cli = importlib.import_module("detente.cli")
            for mod in PRELOAD:
                with contextlib.suppress(Exception):
                    importlib.import_module(mod)

    def start(self, argv, cwd, out, err):
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid:
            return pid
        code = 1
        try:  # the child: never returns
            os.setpgid(0, 0)
            _limit_memory(self.mem_mb)
            os.chdir(cwd)
            os.environ["DETENTE_CRASH_DIR"] = str(cwd)  # crash reports of exit 70 go to the scratch folder
            for fd, path in ((0, os.devnull), (1, out), (2, err)):
                new = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC if fd else os.O_RDONLY, 0o644)
                os.dup2(new, fd)
                os.close(new)
            sys.argv = [self.exe, *argv]
            try:
                self.cli.main()
                code = 0
            except SystemExit as exc:  # what the interpreter does with it at the end of a script
                code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
                if not isinstance(exc.code, int | None):
                    print(exc.code, file=sys.stderr)
            except BaseException:
                traceback.print_exc()
                code = 1
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
        finally:
            os._exit(code & 0xFF)

    def poll(self, pid):
        done, status = os.waitpid(pid, os.WNOHANG)
        return os.waitstatus_to_exitcode(status) if done else None

    def kill(self, pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


# --- classification --------------------------------------------------------------------------------
def classify(case: dict, code: int | None, err: str, cwd: Path) -> list[str]:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("error:")]
    checks = {
        "timeout": code is None,
        "internal-error": code == 70,
        "exit-other": code not in (0, 2, 70, None),
        "traceback": "Traceback (most recent call last)" in err,
        "multi-line": code == 2 and len(lines) > 1,
        "noise": any(
            not ln.startswith(("error:", "warning:", "note:", "wrote ", "internal error")) for ln in lines
        ),
        "tmp-left": any(p.name.startswith(".") and p.name.endswith(".tmp") for p in cwd.rglob("*")),
        "no-file-named": code == 2 and bool(errors) and case["file"] not in errors[0],
        "no-fix": code == 2 and bool(errors) and ". Fix: " not in errors[0],
    }
    return [c for c, bad in checks.items() if bad]


def signature(case: dict, classes: list[str], err: str, crash: str) -> str:
    """A short name for a failure, to group the inputs that fail the same way."""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    if "traceback" in classes or crash:
        err = crash or err
        frames = re.findall(r'File ".*?(detente/[\w/]+\.py)", line \d+, in (\w+)', err)
        lines = [ln for ln in err.splitlines() if ln.strip()]
        exc = [ln for ln in lines if re.match(r"^[\w.]+(Error|Exception|Exit|Interrupt|Warning)\b", ln)]
        where = f" @ {frames[-1][0]}:{frames[-1][1]}" if frames else ""
        return (exc or lines)[-1].split(":")[0] + where
    hard = [c for c in classes if c in HARD]
    if hard and hard[0] in ("multi-line", "noise"):
        bad = [ln for ln in lines if not ln.startswith(("wrote ", "note:"))][1:2] or lines[:1]
        return f"{hard[0]}: " + re.sub(r"\d+", "N", bad[0].replace(case["file"], "FILE"))[:70]
    return f"{hard[0]}: {case['command']}" if hard else ""


# --- campaign --------------------------------------------------------------------------------------
def run_campaign(args) -> int:
    exe = shutil.which("detente") or str(Path(sys.executable).with_name("detente"))
    names = [c.strip() for c in (args.commands or ",".join(COMMANDS)).split(",") if c.strip()]
    if unknown := [c for c in names if c not in COMMANDS]:
        sys.exit(f"unknown command(s) {unknown}; choose from {', '.join(COMMANDS)}")
    limits = tuple(int(x) for x in args.size_limits.split(","))
    seeds = defaultdict(list)
    for s in build_seeds():
        seeds[KIND_OF[s[1]]].append(s)
    runner = (ForkRunner if args.runner == "fork" else SubprocessRunner)(exe, args.mem_limit)
    work = Path(tempfile.mkdtemp(prefix="detente-fuzz-", dir=args.workdir))
    save = Path(args.save_failures) if args.save_failures else None
    if save:
        save.mkdir(parents=True, exist_ok=True)
    records, running, next_i, t0 = [], {}, 0, time.perf_counter()
    try:
        while next_i < args.n or running:
            while len(running) < args.jobs and next_i < args.n:
                case = make_case(next_i, args.seed, seeds, names, limits)
                cwd = work / f"c{next_i:06d}"
                cwd.mkdir()
                (cwd / case["file"]).write_bytes(case["data"])
                h = runner.start(case["argv"], cwd, work / f"o{next_i}", work / f"e{next_i}")
                running[next_i] = (h, case, cwd, time.perf_counter())
                next_i += 1
            for i, (h, case, cwd, start) in list(running.items()):
                code, elapsed = runner.poll(h), time.perf_counter() - start
                if code is None and elapsed < args.timeout:
                    continue
                if code is None:
                    runner.kill(h)
                del running[i]
                records.append(finish(case, code, elapsed, cwd, work, save))
                if args.progress and len(records) % args.progress == 0:
                    print(f"{len(records)}/{args.n}, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
            time.sleep(0.002)
    finally:
        for h, *_ in running.values():
            runner.kill(h)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    wall = time.perf_counter() - t0
    records.sort(key=lambda r: r["index"])
    print_summary(records, names, wall, args)
    failures = [r for r in records if set(r["classes"]) & set(HARD)]
    if args.out:
        meta = {k: v for k, v in vars(args).items() if k not in ("out", "save_failures", "compare")}
        git = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=ROOT)
        meta.update(wall_seconds=round(wall, 1), git_head=git.stdout.strip())
        out = {"meta": meta, "failures": failures, "cases": records if args.record_all else None}
        Path(args.out).write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    if save:
        with open(save / "repro.sh", "w") as fh:
            fh.write("#!/bin/sh\n# One line per failing input; run it in this folder.\nHERE=$(pwd)\n")
            fh.writelines(f"{r['repro']}\n" for r in failures)
    return 1 if failures else 0


def finish(case, code, elapsed, cwd, work, save) -> dict:
    i, saved, argv = case["index"], f"{case['index']:06d}_{case['command']}", " ".join(case["argv"])
    suffix, out_b = Path(case["file"]).suffix, (work / f"o{i}").read_bytes()
    err = (work / f"e{i}").read_bytes()[: 2**21].decode(errors="replace")
    crash = "".join(p.read_text(errors="replace") for p in cwd.glob("detente-crash-*.txt"))
    classes, lines = classify(case, code, err, cwd), [ln for ln in err.splitlines() if ln.strip()]
    rec = {k: case[k] for k in ("index", "command", "argv", "seed_file", "recipe", "actors", "dims", "large")}
    rec.update(exit=code, classes=classes, seconds=round(elapsed, 3))
    rec.update(signature=signature(case, classes, err, crash), stderr_first=lines[0][:300] if lines else "")
    rec["stderr_last"] = lines[-1][:300] if lines else ""
    err = re.sub(r"saved to \S+", "saved to PATH", err)  # crash-file names are random: compare without them
    rec["stdout_sha1"], rec["stderr_sha1"] = (hashlib.sha1(x).hexdigest()[:16] for x in (out_b, enc(err)))
    cp = f'cp "$HERE/{saved}{suffix}" "$d/{case["file"]}"'
    rec["repro"] = f'd=$(mktemp -d) && {cp} && (cd "$d" && detente {argv})'
    if save and set(classes) & set(HARD):
        (save / (saved + suffix)).write_bytes(case["data"])
        if crash:
            (save / (saved + ".crash.txt")).write_text(crash)
    shutil.rmtree(cwd, ignore_errors=True)
    for p in (work / f"o{i}", work / f"e{i}"):
        p.unlink(missing_ok=True)
    return rec


def print_summary(records, names, wall, args) -> None:
    cols = ["exit0", "exit2", *HARD, *SOFT, "large", "mean s", "max s"]
    print(f"{'command':<20}{'n':>6}" + "".join(f"{c:>{len(c) + 2}}" for c in cols))
    by = defaultdict(list)
    for r in records:
        by[r["command"]].append(r)
    for name, rs in [*((c, by[c]) for c in names if by[c]), ("TOTAL", records)]:
        cnt, secs = Counter(c for r in rs for c in r["classes"]), [r["seconds"] for r in rs]
        cells = [sum(r["exit"] == 0 for r in rs), sum(r["exit"] == 2 for r in rs)]
        cells += [*(cnt[c] for c in HARD + SOFT), sum(r["large"] for r in rs)]
        cells += [f"{sum(secs) / len(rs):.2f}", f"{max(secs):.1f}"]
        row = "".join(f"{c!s:>{len(h) + 2}}" for c, h in zip(cells, cols, strict=True))
        print(f"{name:<20}{len(rs):>6}{row}")
    n, bad = len(records), sum(bool(set(r["classes"]) & set(HARD)) for r in records)
    big = sum("timeout" in r["classes"] and r["large"] for r in records)
    print(f"\n{n} inputs in {wall:.0f} s wall, {wall / max(n, 1):.3f} s per input (runner {args.runner},")
    print(f"jobs {args.jobs}, timeout {args.timeout:g} s); {bad} failed hard; {big} time-outs on large input")
    groups = defaultdict(list)
    for r in records:
        if r["signature"]:
            groups[r["signature"]].append(r)
    if groups:
        print("\nDistinct failures (count, signature, commands, first example):")
        for sig, rs in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            cmds = ",".join(sorted({r["command"] for r in rs}))
            print(f"{len(rs):>6}  {sig[:100]}  [{cmds[:60]}]  #{rs[0]['index']}")


def compare(a_path: str, b_path: str) -> int:
    """Compare two --record-all result files case by case (e.g. fork against subprocess)."""
    a, b = (json.loads(Path(p).read_text())["cases"] for p in (a_path, b_path))
    if a is None or b is None:
        sys.exit("both files need --record-all")
    diffs = Counter()
    for x, y in zip(a, b, strict=False):
        assert x["argv"] == y["argv"] and x["recipe"] == y["recipe"], "different inputs: same --seed/--n?"
        for k in ("exit", "classes", "stdout_sha1", "stderr_sha1"):
            if x[k] != y[k]:
                diffs[k] += 1
                if diffs[k] <= 5:
                    print(f"#{x['index']} {x['command']}: {k} {x[k]} != {y[k]} ({x['stderr_last'][:80]!r})")
    print(f"{min(len(a), len(b))} cases compared; differences: {dict(diffs) or 'none'}")
    return 1 if diffs else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=10_000, help="number of inputs")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per input")
    p.add_argument("--commands", help=f"comma-separated subset of: {', '.join(COMMANDS)}")
    p.add_argument("--runner", choices=["fork", "subprocess"], default="fork")
    p.add_argument("--out", help="JSON file for the failing cases (and every case with --record-all)")
    p.add_argument("--save-failures", metavar="DIR", help="copy failing inputs here, with repro.sh")
    p.add_argument("--record-all", action="store_true", help="keep every case in --out (for --compare)")
    p.add_argument("--size-limits", default=f"{LARGE_ACTORS},{LARGE_DIMS},{LARGE_KEYS}", help="A,D,K")
    p.add_argument("--mem-limit", type=int, default=6144, help="address-space limit per input, MiB (0: none)")
    p.add_argument("--workdir", help="parent folder for scratch folders (default: the system's temp)")
    p.add_argument("--keep", action="store_true", help="keep the scratch folders")
    p.add_argument("--progress", type=int, default=0, metavar="K", help="report progress every K inputs")
    p.add_argument("--compare", nargs=2, metavar=("A.json", "B.json"), help="compare two --record-all runs")
    args = p.parse_args()
    return compare(*args.compare) if args.compare else run_campaign(args)


if __name__ == "__main__":
    sys.exit(main())
