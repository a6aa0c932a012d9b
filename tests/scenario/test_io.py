import json
import os

import pytest
from hypothesis import given, settings

from detente.errors import OutputExistsError, ScenarioError
from detente.scenario.io import (
    MAX_FILE_BYTES,
    dumps_scenario,
    load_scenario,
    loads_scenario,
    save_scenario,
)
from detente.scenarios import list_scenarios
from detente.scenarios import load_scenario as load_embedded
from tests.generators import scenarios

GOOD_YAML = """\
name: Toy
actors:
  - {id: A, name: Actor A, capability: 1}
  - {id: B, name: Actor B, capability: 2}
issues:
  - {id: x, name: X, meaning_0: none, meaning_100: all}
stances:
  - {actor: A, issue: x, position: 10, salience: 50}
  - {actor: B, issue: x, position: 90, salience: 50}
"""


@settings(max_examples=60)
@given(scenarios())
@pytest.mark.parametrize("fmt", ["yaml", "json", "csv"])
def test_round_trips_are_lossless(fmt, scenario):
    assert loads_scenario(dumps_scenario(scenario, fmt), fmt) == scenario


@pytest.mark.parametrize("name", list_scenarios())
@pytest.mark.parametrize("suffix", [".yaml", ".json", ".csv"])
def test_embedded_scenarios_round_trip_through_files(tmp_path, name, suffix):
    s = load_embedded(name)
    path = save_scenario(s, tmp_path / f"s{suffix}")
    assert load_scenario(path) == s


def test_save_refuses_to_overwrite_without_force(tmp_path):
    s = loads_scenario(GOOD_YAML, "yaml")
    path = save_scenario(s, tmp_path / "s.yaml")
    before = path.read_bytes()
    with pytest.raises(OutputExistsError, match="--force"):
        save_scenario(s.model_copy(update={"name": "Other"}), path)
    assert path.read_bytes() == before
    save_scenario(s.model_copy(update={"name": "Other"}), path, force=True)
    assert load_scenario(path).name == "Other"


def test_written_files_have_normal_permissions(tmp_path):
    path = save_scenario(loads_scenario(GOOD_YAML, "yaml"), tmp_path / "s.yaml")
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


BAD_FILES = [
    # (file name, content, parts the one-line message must contain)
    ("empty.yaml", "", ["empty.yaml", "the file is empty"]),
    ("list.yaml", "- 1\n- 2\n", ["not a mapping"]),
    ("syntax.yaml", "name: [unclosed\n", ["not valid YAML", "line"]),
    (
        "type.yaml",
        GOOD_YAML.replace("position: 10", "position: high"),
        ["line 8", "stances[0] (A on x).position", "valid number", "Fix:"],
    ),
    (
        "range.yaml",
        GOOD_YAML.replace("salience: 50}\n  - {actor: B", "salience: 150}\n  - {actor: B"),
        ["stances[0] (A on x).salience", "0 to 100"],
    ),
    ("nan.yaml", GOOD_YAML.replace("position: 90", "position: .nan"), ["stances[1]", "finite"]),
    ("unknown_actor.yaml", GOOD_YAML.replace("{actor: B, issue", "{actor: C, issue"), ["unknown actor 'C'"]),
    (
        "unknown_issue.yaml",
        GOOD_YAML.replace("{actor: B, issue: x", "{actor: B, issue: z"),
        ["unknown issue 'z'", "add it to issues"],
    ),
    (
        "dup_actor.yaml",
        GOOD_YAML.replace("{id: B, name: Actor B", "{id: A, name: Actor B"),
        ["two actors have the id 'A'"],
    ),
    (
        "dup_key.yaml",
        GOOD_YAML.replace("name: Toy\n", "name: Toy\nname: Again\n"),
        ["the key 'name' appears twice", "line 2"],
    ),
    (
        "extra.yaml",
        GOOD_YAML.replace("name: Toy\n", "name: Toy\ncolour: red\n"),
        ["colour", "remove 'colour'"],
    ),
    ("missing.yaml", GOOD_YAML.replace("name: Toy\n", ""), ["name", "add the field 'name'"]),
    ("bomb.yaml", "a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b]\n", ["aliases"]),
    ("python.yaml", "name: !!python/object/apply:os.system ['echo hi']\n", ["tag", "not part of the format"]),
    ("python2.yaml", "name: !!python/name:os.system\n", ["'!!python/name:os.system'", "remove the tag"]),
    ("deep.yaml", "name: " + "[" * 2000 + "]" * 2000 + "\n", ["nested too deeply"]),
    ("latin1.yaml", "name: Caf\xe9\n".encode("latin-1"), ["not UTF-8", "0xe9", "line 1"]),
    ("nul.yaml", b"name: a\x00b\n", ["NUL"]),
    ("bad.json", '{"name": "x", ', ["not valid JSON", "line 1"]),
    ("nan.json", '{"name": NaN}', ["NaN"]),
    ("format.yaml", "format: other/9\n" + GOOD_YAML, ["unknown format"]),
    ("bad.ext", "whatever", ["unknown file type"]),
    ("empty.csv", "", ["the file is empty"]),
    ("ktab_count.csv", "S, d, 3, 1,\nActor,Desc,Power,P,S\na,d,1,50,50\n", ["announces 3 actors"]),
    (
        "ktab_num.csv",
        "S, d, 1, 1,\nActor,Desc,Power,P,S\na,d,lots,50,50\n",
        ["line 3, field 3 (capability)", "not a number"],
    ),
    ("ktab_range.csv", "S, d, 1, 1,\nActor,Desc,Power,P,S\na,d,1,150,50\n", ["position", "0 to 100"]),
    ("bdm_nocol.csv", "Actor,Power,Position\nA,1,3\n", ["no salience column"]),
    ("bdm_norows.csv", "Actor,Power,Position,Salience\n", ["no actor rows"]),
    ("bdm_neg.csv", "Actor,Power,Position,Salience\nA,-1,3,0.5\n", ["row 2", "negative"]),
    ("bdm_nan.csv", "Actor,Power,Position,Salience\nA,1,nan,0.5\n", ["row 2", "not a finite number"]),
    (
        "bdm_dup.csv",
        "Actor,Power,Position,Salience\nA,1,2,0.5\nA,1,3,0.5\n",
        [],
    ),  # duplicate names: see below
    ("record_bad.csv", "record,name\nscenario,S\nplanet,x\n", ["unknown record type 'planet'", "row 3"]),
]


@pytest.mark.parametrize("name, content, parts", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_give_one_line_errors_naming_file_place_and_fix(tmp_path, name, content, parts):
    path = write(tmp_path, name, content)
    if name == "bdm_dup.csv":  # duplicate names are kept apart with distinct ids, not an error
        s = load_scenario(path)
        assert s.actor_ids == ("A", "A_2")
        return
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = info.value.message
    assert "\n" not in message
    assert str(path) in message
    for part in parts:
        assert part in message, message


def test_files_over_the_size_cap_are_refused(tmp_path):
    path = tmp_path / "big.yaml"
    with path.open("wb") as fh:
        fh.write(b"name: x\n")
        fh.write(b"#" * MAX_FILE_BYTES)
    with pytest.raises(ScenarioError, match="MiB limit"):
        load_scenario(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "nope.yaml")
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(ScenarioError, match="not a regular file"):
        load_scenario(tmp_path / "dir.yaml")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings_and_bom_do_not_matter(tmp_path, newline):
    content = ("\ufeff" + GOOD_YAML).replace("\n", newline).encode("utf-8")
    assert load_scenario(write(tmp_path, "s.yaml", content)) == loads_scenario(GOOD_YAML, "yaml")


def test_json_output_is_tagged_and_readable(tmp_path):
    s = loads_scenario(GOOD_YAML, "yaml")
    data = json.loads(dumps_scenario(s, "json"))
    assert data["format"] == "detente-scenario/1" and data["name"] == "Toy"


def test_the_documented_yaml_example_is_a_valid_scenario():
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "scenario-format.md").read_text()
    block = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    s = loads_scenario(block, "yaml")
    assert s.actor_ids == ("A", "B", "M") and s.issue("line").units.unit == "km"
    assert loads_scenario(dumps_scenario(s, "yaml"), "yaml") == s
