"""Property-based tests: mutated scenario files load, or fail with a located ScenarioError.

Every test starts from a valid scenario (the loader fixture ``minimal.yaml`` and,
for some examples, the bundled ``scenarios/baseline-serial.yaml``), breaks it in
one way, writes it to disk and loads it. The property is always the same: the
loader returns a :class:`~model.scenario.schema.Scenario` or raises
:class:`~model.scenario.problems.ScenarioError` whose every problem names the file, a line
(an int >= 1 wherever the file has one) and the field; any other exception, a
hang or an executed YAML tag fails the test. Where the mutation determines the
answer (a misspelt key, a negative duration, a cycle), the exact field, line and
suggestion are checked too.

Line expectations come from composing the written text with PyYAML itself: a
problem about field ``a.b.c`` is on the line of key ``c``, or, when ``c`` is not
in the file (a missing field), on the line of the deepest part of the path that is.
"""

from __future__ import annotations

import copy
import math
import datetime as dt
import os
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from model.scenario.problems import ScenarioError
from model.scenario.files import MAX_FILE_BYTES
from model.scenario.loader import load_scenario, read_scenario_data
from model.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
MINIMAL_FILE = ROOT / "tests" / "data" / "loader" / "minimal.yaml"
BASELINE_FILE = ROOT / "scenarios" / "baseline-serial.yaml"

MINIMAL: dict[str, Any] = read_scenario_data(MINIMAL_FILE)
BASELINE: dict[str, Any] = read_scenario_data(BASELINE_FILE)
# The minimal scenario with the optional blocks a hand-written file may carry.
RICH: dict[str, Any] = {
    **copy.deepcopy(MINIMAL),
    "mechanisms": {
        "agents": {
            "enabled": True,
            "count": 1,
            "staff_changes": [{"date": dt.date(2026, 6, 1), "staff": 2}],
        },
        "conditional_acceptance": {
            "enabled": True,
            "supplement_days": {"kind": "uniform", "low": 1, "high": 4},
        },
    },
    "pipeline": [
        {
            "name": "p1",
            "type": "industrial",
            "signed": dt.date(2025, 10, 1),
            "done": ["EIA"],
            "under_way": [{"item": "施工许可", "since": dt.date(2025, 12, 1)}],
        }
    ],
    "calendar": {"closures": [dt.date(2026, 2, 2)]},
    "run": {"start_date": dt.date(2026, 1, 1), "horizon_days": 200, "seed": 3},
}
BASES = {"minimal": MINIMAL, "rich": RICH, "baseline": BASELINE}
VALID = {name: Scenario.model_validate(data) for name, data in BASES.items()}

# APPROVALSIM_FUZZ_SCALE=20 runs twenty times as many examples (a deeper search
# before a release); the default keeps the whole file well under a minute.
SCALE = int(os.environ.get("APPROVALSIM_FUZZ_SCALE", "1"))
FAST = settings(
    max_examples=100 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW = settings(FAST, max_examples=50 * SCALE)

# The baseline is 40 times larger than the minimal scenario; draw it a fifth of the time.
base_names = st.sampled_from(["minimal", "minimal", "rich", "rich", "baseline"])

JARGON = ("input_value", "type=", "Input should", "pydantic", "errors.pydantic.dev", "[key]")

# Messages of the cross-reference checks in model.scenario.schema: a mutation elsewhere can
# legitimately break a reference (emptying ``departments`` orphans every item).
REFERENCE_WORDS = (
    "unknown department",
    "unknown prerequisite",
    "unknown item",
    "unknown project type",
    "later stage",
    "cycle",
    "has no staff",
    "shares sum",
    "at least one project type",
    "is not one of type",  # a pipeline record naming an item its type no longer has
    # A pipeline record's dates checked against each other: a changed signing date
    # is reported at the date it now contradicts.
    "must lie between the signing date",
    "before the project was signed",
)


# --------------------------------------------------------------------------- helpers


@contextmanager
def scratch() -> Iterator[Path]:
    """Yield a fresh folder for one example."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as name:
        yield Path(name)


# libyaml's dumper and parser when present: the pure-Python ones would make the
# tests ten times slower. The loader under test is not involved in either.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def dump(data: Any) -> str:
    """YAML text of ``data`` in block style (one key per line)."""
    return yaml.dump(
        data, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, default_flow_style=False
    )


def base_text(base: str) -> str:
    """Return the text of a starting scenario: the file as written, comments and all."""
    if base == "rich":
        return dump(RICH)
    return (MINIMAL_FILE if base == "minimal" else BASELINE_FILE).read_text(encoding="utf-8")


def write(folder: Path, name: str, content: str | bytes) -> Path:
    """Write ``content`` to ``folder/name`` and return the path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def key_lines(text: str) -> dict[str, int]:
    """Map each dotted path of a YAML text to the line of its key (or list entry).

    Walks PyYAML's parse events (no aliases in these texts), which is several
    times faster than composing nodes.
    """
    lines: dict[str, int] = {}
    # Each open collection: [path, is_mapping, next index or pending key].
    stack: list[list[Any]] = []

    def place(line: int) -> list[str] | None:
        """Path and line of a value starting now; ``None`` if it is a mapping key."""
        if not stack:
            lines[""] = line
            return []
        frame = stack[-1]
        if frame[1]:
            if frame[2] is None:
                return None  # a key: the caller records it
            path = [*frame[0], frame[2][0]]
            frame[2] = None
            return path
        path = [*frame[0], str(frame[2])]
        lines[".".join(path)] = line
        frame[2] += 1
        return path

    for event in yaml.parse(text, Loader=_LOADER):
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, yaml.ScalarEvent):
            path = place(line)
            if path is None:
                frame = stack[-1]
                key_path = [*frame[0], event.value]
                lines[".".join(key_path)] = line
                frame[2] = (event.value,)
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            path = place(line)
            assert path is not None, "only plain keys are expected"
            is_mapping = isinstance(event, yaml.MappingStartEvent)
            stack.append([path, is_mapping, None if is_mapping else 0])
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            stack.pop()
    return lines


def expected_line(field: str, lines: dict[str, int]) -> int:
    """Return the line a problem about ``field`` must be on (see the module docstring)."""
    parts = field.split(".") if field else []
    for cut in range(len(parts), -1, -1):
        prefix = ".".join(parts[:cut])
        if prefix in lines:
            return lines[prefix]
    raise AssertionError(f"no line for {field!r}")  # pragma: no cover - "" is always there


def check_error(error: ScenarioError, files: dict[Path, bytes] | None = None) -> None:
    """Every problem is well-formed: file, sane line, message, no pydantic jargon."""
    assert error.problems, "a ScenarioError must carry at least one problem"
    rendered = str(error)
    assert "Traceback" not in rendered
    for problem in error.problems:
        assert isinstance(problem.file, str) and problem.file, problem
        assert isinstance(problem.field, str), problem
        assert isinstance(problem.message, str) and problem.message.strip(), problem
        if problem.line is not None:
            assert type(problem.line) is int and problem.line >= 1, problem
        text = str(problem)
        for jargon in JARGON:
            assert jargon not in text, text
        # One line per problem, nothing a terminal would act on (escape sequences).
        assert all(unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp") for c in text), repr(
            text
        )
        if files is not None and problem.line is not None:
            named = {str(p) for p in files} | {os.path.normpath(str(p)) for p in files}
            assert problem.file in named, (problem, list(files))
            content = files[next(p for p in files if problem.file in (str(p), os.path.normpath(p)))]
            # YAML also breaks lines at \r, U+0085, U+2028 and U+2029; splitlines
            # knows all of them (and a few more, which only loosens the bound).
            breaks = len(content.decode("utf-8", errors="replace").splitlines())
            assert problem.line <= breaks + 1, problem


def outcome(path: Path, files: dict[Path, bytes] | None = None) -> Scenario | ScenarioError:
    """Load ``path``: the Scenario, or the (checked) ScenarioError. Anything else escapes."""
    try:
        scenario = load_scenario(path)
    except ScenarioError as error:
        check_error(error, files)
        return error
    assert isinstance(scenario, Scenario)
    return scenario


def load_text(folder: Path, text: str, name: str = "s.yaml") -> tuple[Path, Any]:
    """Write one scenario file and load it."""
    path = write(folder, name, text)
    return path, outcome(path, {path: text.encode("utf-8")})


def check_located(error: ScenarioError, path: Path, text: str) -> None:
    """Problems of a single parseable file point at the right file, line and field."""
    lines = key_lines(text)
    for problem in error.problems:
        assert problem.file == str(path), problem
        assert problem.field, problem
        assert problem.line == expected_line(problem.field, lines), (problem, text)


def mutated(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """Copy ``data`` deeply, with ``value`` at ``path`` (missing mappings created)."""
    out = copy.deepcopy(data)
    node = out
    for key in path[:-1]:
        if isinstance(node, dict) and not isinstance(node.get(key), dict | list):
            node[key] = {}
        node = node[key]
    node[path[-1]] = value
    return out


def deleted(data: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    """Copy ``data`` deeply, without the key at ``path``."""
    out = copy.deepcopy(data)
    node = out
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return out


def all_paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path below the root: mapping keys and list indices."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*prefix, key)
            yield from all_paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield (*prefix, index)
            yield from all_paths(value, (*prefix, index))


def at(data: Any, path: tuple[Any, ...]) -> Any:
    """Return the value at ``path``."""
    for key in path:
        data = data[key]
    return data


def dotted(path: tuple[Any, ...]) -> str:
    """Join a path the way problems name fields."""
    return ".".join(str(p) for p in path)


def model_at(scenario: BaseModel, path: tuple[Any, ...]) -> Any:
    """Return the validated object at a data path (a model, a dict, a value)."""
    obj: Any = scenario
    for key in path:
        if isinstance(obj, BaseModel):
            name = next(n for n, info in type(obj).model_fields.items() if key in (n, info.alias))
            obj = getattr(obj, name)
        else:
            obj = obj[key]
    return obj


def field_keys(model: type[BaseModel]) -> list[str]:
    """Return the keys a scenario file may write for ``model``."""
    return [info.alias or name for name, info in model.model_fields.items()]


def required_keys(model: type[BaseModel]) -> set[str]:
    """Return the keys a file must write for ``model``."""
    keys = {info.alias or name for name, info in model.model_fields.items() if info.is_required()}
    if "kind" in model.model_fields:
        keys.add("kind")  # the discriminator of a distribution or of the arrivals
    return keys


def model_paths(name: str) -> list[tuple[Any, ...]]:
    """Paths (root included) of mappings in the data that validate as a model."""
    data, scenario = BASES[name], VALID[name]
    paths: list[tuple[Any, ...]] = [()]
    for path in all_paths(data):
        if isinstance(at(data, path), dict) and isinstance(model_at(scenario, path), BaseModel):
            paths.append(path)
    return paths


MODEL_PATHS = {name: model_paths(name) for name in BASES}
ALL_PATHS = {name: list(all_paths(data)) for name, data in BASES.items()}
NUMBER_PATHS = {
    name: [
        p
        for p in ALL_PATHS[name]
        if isinstance(at(data, p), int | float) and not isinstance(at(data, p), bool)
    ]
    for name, data in BASES.items()
}


def _metadata(annotation: Any, info: Any) -> list[Any]:
    found = list(getattr(info, "metadata", []))
    stack = [annotation]
    while stack:
        tp = stack.pop()
        if get_origin(tp) is Annotated:
            for meta in tp.__metadata__:
                found.extend(getattr(meta, "metadata", [meta]))
            stack.append(get_args(tp)[0])
        elif get_origin(tp) in (Union, type(int | None)):
            stack.extend(get_args(tp))
    return found


def _is_probability(info: Any) -> bool:
    return any(getattr(m, "le", None) == 1 for m in _metadata(info.annotation, info))


def _model_of(annotation: Any) -> type[BaseModel] | None:
    tp = annotation
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def probability_paths(model: type[BaseModel], data: Any, prefix: tuple[Any, ...]) -> Iterator:
    """Paths of every [0, 1]-bounded field, present in the data or not."""
    data = data if isinstance(data, dict) else {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if _is_probability(info):
            yield (*prefix, key)
            continue
        sub = _model_of(info.annotation)
        if sub is not None:
            yield from probability_paths(sub, data.get(key), (*prefix, key))
        elif get_origin(info.annotation) is dict:
            value_model = _model_of(get_args(info.annotation)[1])
            if value_model is not None:
                for entry, value in (data.get(key) or {}).items():
                    yield from probability_paths(value_model, value, (*prefix, key, entry))


PROBABILITY_PATHS = {
    name: sorted(set(probability_paths(Scenario, data, ())), key=str)
    for name, data in BASES.items()
}


def damerau(a: str, b: str) -> int:
    """Optimal-string-alignment edit distance."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def related(field: str, path: str) -> bool:
    """``field`` is ``path``, inside it, or one of its ancestors."""
    return field == path or field.startswith(path + ".") or path.startswith(field + ".")


@st.composite
def typos(draw: st.DrawFn, word: str) -> str:
    """One slip of the keyboard in ``word``."""
    i = draw(st.integers(0, len(word) - 1))
    how = draw(st.sampled_from(["drop", "double", "swap", "replace", "upper", "dash"]))
    if how == "drop":
        return word[:i] + word[i + 1 :]
    if how == "double":
        return word[:i] + word[i] + word[i:]
    if how == "swap" and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if how == "replace":
        letter = draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz"))
        return word[:i] + letter + word[i + 1 :]
    if how == "upper":
        return word.capitalize() if word != word.capitalize() else word.upper()
    return word.replace("_", "-") if "_" in word else word + "s"


# A value of a kind no slot accepts in its place, or accepts only where it is valid.
wrong_values = st.sampled_from(
    [
        None,
        True,
        False,
        "zzz",
        "",
        -1,
        -0.5,
        float("nan"),
        float("inf"),
        10**30,
        "2026-02-30",
        dt.date(2026, 1, 1),
        {"x": 1},
        {},
        [1, 2],
        [],
        [[{"a": None}]],
    ]
)

bad_numbers = st.one_of(
    st.floats(max_value=-1e-9, min_value=-1e12),
    st.integers(max_value=-1, min_value=-(10**12)),
    st.sampled_from([float("nan"), float("inf"), float("-inf")]),
)


# --------------------------------------------------------------------------- properties


def test_bases_load() -> None:
    """The starting points are valid, and their dumped text too."""
    for data in BASES.values():
        with scratch() as folder:
            _, result = load_text(folder, dump(data))
            assert isinstance(result, Scenario), result


@FAST
@given(base=base_names, data=st.data())
def test_wrong_type_at_any_path(base: str, data: st.DataObject) -> None:
    """A value of the wrong type anywhere loads or is reported at (or under) its path."""
    path = data.draw(st.sampled_from(ALL_PATHS[base]))
    value = data.draw(wrong_values)
    text = dump(mutated(BASES[base], path, value))
    with scratch() as folder:
        file, result = load_text(folder, text)
    if isinstance(result, ScenarioError):
        check_located(result, file, text)
        assert any(
            related(p.field, dotted(path)) or any(w in p.message for w in REFERENCE_WORDS)
            for p in result.problems
        ), (dotted(path), value, str(result))


@FAST
@given(base=base_names, data=st.data())
def test_deleted_key(base: str, data: st.DataObject) -> None:
    """Deleting a key loads (it had a default) or names the missing field on its parent's line."""
    parent = data.draw(st.sampled_from(MODEL_PATHS[base]))
    mapping = at(BASES[base], parent)
    assume(mapping)
    key = data.draw(st.sampled_from(sorted(mapping, key=str)))
    text = dump(deleted(BASES[base], (*parent, key)))
    with scratch() as folder:
        file, result = load_text(folder, text)
    model = type(model_at(VALID[base], parent))
    if key in required_keys(model):
        assert isinstance(result, ScenarioError), (parent, key)
        missing = [p for p in result.problems if p.field == dotted((*parent, key))]
        assert missing, str(result)
        assert "required field is missing" in missing[0].message
    if isinstance(result, ScenarioError):
        check_located(result, file, text)


@FAST
@given(base=base_names, data=st.data())
def test_misspelt_key_suggests_the_right_one(base: str, data: st.DataObject) -> None:
    """A misspelt key is an unknown key with "did you mean" the key it was meant to be."""
    parent = data.draw(st.sampled_from(MODEL_PATHS[base]))
    model = type(model_at(VALID[base], parent))
    allowed = field_keys(model)
    meant = data.draw(st.sampled_from(allowed))
    assume(len(meant) >= 3)
    typo = data.draw(typos(meant))
    assume(typo not in allowed)
    # The oracle: one slip from the meant key and further from every other one.
    assume(damerau(typo.lower(), meant.lower()) <= 1)
    assume(all(damerau(typo.lower(), other.lower()) >= 3 for other in allowed if other != meant))
    rename = data.draw(st.booleans()) and meant in at(BASES[base], parent)
    doc = copy.deepcopy(BASES[base])
    mapping = at(doc, parent)
    if rename:
        mapping[typo] = mapping.pop(meant)
    else:
        mapping[typo] = copy.deepcopy(mapping.get(meant, 1))
    text = dump(doc)
    with scratch() as folder:
        file, result = load_text(folder, text)
    assert isinstance(result, ScenarioError)
    check_located(result, file, text)
    field = dotted((*parent, typo))
    problems = [p for p in result.problems if p.field == field]
    assert len(problems) == 1, str(result)
    (problem,) = problems
    assert problem.message.startswith("unknown key"), problem
    assert problem.suggestion == meant, problem
    assert f"did you mean {meant!r}" in str(problem)


@FAST
@given(base=base_names, data=st.data())
def test_negative_nan_or_infinite_number(base: str, data: st.DataObject) -> None:
    """Durations, counts, rates and parameters are never negative, NaN or infinite."""
    path = data.draw(st.sampled_from(NUMBER_PATHS[base]))
    value = data.draw(bad_numbers)
    text = dump(mutated(BASES[base], path, value))
    with scratch() as folder:
        file, result = load_text(folder, text)
    assert isinstance(result, ScenarioError), (dotted(path), value)
    check_located(result, file, text)
    assert any(p.field == dotted(path) for p in result.problems), (dotted(path), str(result))


@FAST
@given(base=base_names, data=st.data())
def test_probability_outside_unit_interval(base: str, data: st.DataObject) -> None:
    """Every probability, share and fraction is refused outside [0, 1], present or added."""
    path = data.draw(st.sampled_from(PROBABILITY_PATHS[base]))
    value = data.draw(
        st.one_of(
            st.floats(min_value=1.000001, max_value=1e300),
            st.floats(max_value=-1e-9, min_value=-1e300),
            st.integers(min_value=2, max_value=10**6),
            st.sampled_from([float("nan"), float("inf"), float("-inf")]),
        )
    )
    text = dump(mutated(BASES[base], path, value))
    with scratch() as folder:
        file, result = load_text(folder, text)
    assert isinstance(result, ScenarioError), (dotted(path), value)
    check_located(result, file, text)
    assert any(p.field == dotted(path) for p in result.problems), (dotted(path), str(result))


@FAST
@given(base=base_names, data=st.data())
def test_shares_must_sum_to_one(base: str, data: st.DataObject) -> None:
    """Shares in [0, 1] load if they sum to 1 and are reported at the first type if not."""
    doc = copy.deepcopy(BASES[base])
    if base != "baseline":
        doc["project_types"]["commercial"] = {
            "share": 0,
            "items": ["EIA"],
            "construction_days": 100,
        }
    types = list(doc["project_types"])
    shares = data.draw(
        st.lists(
            st.one_of(st.floats(0, 1), st.sampled_from([0, 1, 0.5, 0.25])),
            min_size=len(types),
            max_size=len(types),
        )
    )
    if data.draw(st.booleans()):
        shares[-1] = max(0.0, 1 - sum(shares[:-1]))  # often exactly right
    for name, share in zip(types, shares, strict=True):
        doc["project_types"][name]["share"] = share
    total = sum(shares)
    assume(abs(abs(total - 1) - 1e-6) > 1e-9)  # not on the tolerance's edge
    text = dump(doc)
    with scratch() as folder:
        file, result = load_text(folder, text)
    if abs(total - 1) <= 1e-6:
        assert isinstance(result, Scenario), str(result)
        return
    assert isinstance(result, ScenarioError)
    check_located(result, file, text)
    (problem,) = result.problems
    assert problem.field == f"project_types.{types[0]}.share"
    assert "sum to" in problem.message


@st.composite
def prerequisite_graphs(draw: st.DrawFn) -> tuple[list[str], dict[str, Any], dict[str, list]]:
    """Items in random stages with random (possibly dangling or cyclic) prerequisites."""
    n = draw(st.integers(1, 6))
    names = [f"item{k}" for k in range(n)]
    stages = {name: draw(st.sampled_from(["land", 1, 2, 3, 4, "licence"])) for name in names}
    if draw(st.booleans()):
        stages = dict.fromkeys(names, 2)  # same stage: only cycles and dangling names
    pres = {
        name: draw(
            st.lists(st.sampled_from([*names, "item9", "iten0", "EIA"]), max_size=3, unique=True)
        )
        for name in names
    }
    return names, stages, pres


def find_cycles(graph: dict[str, list[str]]) -> bool:
    """Say whether ``graph`` (node -> prerequisites) has a cycle."""
    state: dict[str, int] = {}

    def visit(node: str) -> bool:
        state[node] = 1
        for child in graph.get(node, []):
            if state.get(child) == 1 or (not state.get(child) and visit(child)):
                return True
        state[node] = 2
        return False

    return any(not state.get(n) and visit(n) for n in graph)


STAGE_ORDER = ["land", 1, 2, 3, 4, "licence"]


@FAST
@given(graph=prerequisite_graphs())
def test_prerequisite_cycles_dangling_and_stage_order(graph: tuple) -> None:
    """Dangling, later-stage and cyclic prerequisites are each reported at their own line."""
    names, stages, pres = graph
    doc = {
        "name": "graph",
        "departments": {"D": {"staff": 1}},
        "items": {
            name: {
                "department": "D",
                "stage": stages[name],
                "effort_wd": 1,
                "prerequisites": pres[name],
            }
            for name in names
        },
        "project_types": {"t": {"share": 1, "items": names, "construction_days": 10}},
        "arrivals": {"kind": "poisson", "rate_per_year": 5},
    }
    expected: set[str] = set()
    for name in names:
        for k, pre in enumerate(pres[name]):
            if pre not in names:
                expected.add(f"items.{name}.prerequisites.{k}")
            elif STAGE_ORDER.index(stages[pre]) > STAGE_ORDER.index(stages[name]):
                expected.add(f"items.{name}.prerequisites.{k}")
    graph_known = {n: [p for p in pres[n] if p in names] for n in names}
    cyclic = find_cycles(graph_known)
    text = dump(doc)
    with scratch() as folder:
        file, result = load_text(folder, text)
    if not expected and not cyclic:
        assert isinstance(result, Scenario), str(result)
        return
    assert isinstance(result, ScenarioError)
    check_located(result, file, text)
    fields = {p.field for p in result.problems}
    assert expected <= fields, (expected, str(result))
    cycles = [p for p in result.problems if "cycle" in p.message]
    assert len(cycles) == (1 if cyclic else 0), str(result)
    if cyclic:
        (problem,) = cycles
        loop = problem.message.split(": ", 1)[1].split(" -> ")
        assert problem.field == f"items.{loop[0]}.prerequisites"
        assert loop[0] == loop[-1]
        for child, parent in zip(loop, loop[1:], strict=False):
            assert parent in graph_known[child], problem.message
    for problem in result.problems:
        if "unknown prerequisite" in problem.message and problem.suggestion:
            assert problem.suggestion in names


@FAST
@given(base=base_names, data=st.data())
def test_department_with_items_but_no_staff(base: str, data: st.DataObject) -> None:
    """Zero staff is refused for a department that owns items, unless staff is hired later."""
    doc = copy.deepcopy(BASES[base])
    owners = sorted({item["department"] for item in doc["items"].values()})
    department = data.draw(st.sampled_from(owners))
    hired = data.draw(st.booleans())
    doc["departments"][department]["staff"] = 0
    doc["departments"][department].pop("staff_changes", None)
    if hired:
        doc["departments"][department]["staff_changes"] = [
            {"date": dt.date(2026, 3, 1), "staff": data.draw(st.integers(1, 5))}
        ]
    doc["departments"]["空的局"] = {"staff": 0}  # no items: zero staff is fine
    text = dump(doc)
    with scratch() as folder:
        file, result = load_text(folder, text)
    if hired:
        assert isinstance(result, Scenario), str(result)
        return
    assert isinstance(result, ScenarioError)
    check_located(result, file, text)
    # One problem per item the department owns, all at its staff line.
    assert {p.field for p in result.problems} == {f"departments.{department}.staff"}
    assert all("no staff" in p.message for p in result.problems)


@SLOW
@given(data=st.data())
def test_extends_chains(data: st.DataObject) -> None:
    """Chains of ``extends`` load, or name the loop, the missing file or the bad value."""
    length = data.draw(st.integers(1, 4))
    ending = data.draw(st.sampled_from(["base", "loop", "missing", "folder", "not-text"]))
    with scratch() as folder:
        names = [
            f"d{k}/f{k}.yaml" if data.draw(st.booleans()) else f"f{k}.yaml" for k in range(length)
        ]
        paths = [folder / name for name in names]
        written: dict[Path, bytes] = {}
        target: Any
        for k, path in enumerate(paths):
            if k + 1 < length:
                target = os.path.relpath(paths[k + 1], path.parent)
            elif ending == "base":
                target = os.path.relpath(MINIMAL_FILE, path.parent)
            elif ending == "loop":
                target = os.path.relpath(paths[data.draw(st.integers(0, k))], path.parent)
            elif ending == "missing":
                target = "nowhere/absent.yaml"
            elif ending == "folder":
                target = "."
            else:
                target = data.draw(st.sampled_from([None, 3, ["a.yaml"], {"a": 1}, ""]))
            # Each file in the chain overrides the same staff figure; the first wins.
            lead = data.draw(st.integers(0, 2))
            text = (
                "# comment\n" * lead
                + dump({"extends": target})
                + dump({"departments": {"住建局": {"staff": 10 + k}}})
            )
            written[path] = text.encode("utf-8")
            write(folder, names[k], text)
        result = outcome(paths[0], written)
        last = paths[-1]
        if ending == "base":
            assert isinstance(result, Scenario), str(result)
            assert result.departments["住建局"].staff == 10
            return
        assert isinstance(result, ScenarioError)
        (problem,) = result.problems
        assert problem.field == "extends"
        assert os.path.realpath(problem.file) == os.path.realpath(last)
        extends_line = (
            written[last]
            .decode()
            .splitlines()
            .index(
                next(
                    line
                    for line in written[last].decode().splitlines()
                    if line.startswith("extends")
                )
            )
            + 1
        )
        assert problem.line == extends_line
        word = {
            "loop": "cycle",
            "missing": "not found",
            "folder": "folder",
            "not-text": "must name",
        }[ending]
        assert word in problem.message, problem


@FAST
@given(base=base_names, data=st.data())
def test_non_utf8_bytes(base: str, data: st.DataObject) -> None:
    """Bytes that are not UTF-8 are refused at the line of the first bad byte."""
    raw = base_text(base).encode("utf-8")
    how = data.draw(st.sampled_from(["insert", "gbk", "utf16", "latin1"]))
    if how == "insert":
        for _ in range(data.draw(st.integers(1, 3))):
            at_ = data.draw(st.integers(0, len(raw)))
            junk = data.draw(st.binary(min_size=1, max_size=4).filter(lambda b: max(b) >= 0x80))
            raw = raw[:at_] + junk + raw[at_:]
    elif how == "gbk":
        raw = raw.decode("utf-8").encode("gbk", errors="replace")
    elif how == "utf16":
        raw = raw.decode("utf-8").encode("utf-16")
    else:
        raw = raw.decode("utf-8").replace("minimal", "médium").encode("latin-1", errors="replace")
    with scratch() as folder:
        path = write(folder, "s.yaml", raw)
        result = outcome(path, {path: raw})
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        assert isinstance(result, ScenarioError)
        (problem,) = result.problems
        assert problem.file == str(path)
        assert problem.line == raw[: exc.start].count(b"\n") + 1
        assert "UTF-8" in problem.message


EVIL_TAGS = [
    '!!python/object/apply:os.system ["touch {marker}"]',
    '!!python/object/apply:subprocess.call [["touch", "{marker}"]]',
    '!!python/object/new:os.system ["touch {marker}"]',
    "!!python/object/apply:builtins.exec [\"open('{marker}', 'w').close()\"]",
    '!<tag:yaml.org,2002:python/object/apply:os.system> ["touch {marker}"]',
    '!python/object/apply:os.system ["touch {marker}"]',
    "!!python/name:os.system",
    "!!python/module:os",
    "!!python/tuple [1, 2]",
    "!!python/str x",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!custom 3",
]


@FAST
@given(base=base_names, data=st.data())
def test_python_tags_are_refused_and_never_run(base: str, data: st.DataObject) -> None:
    """YAML tags that build Python objects are refused at their line and never executed."""
    snippet = data.draw(st.sampled_from(EVIL_TAGS))
    place = data.draw(st.sampled_from(["value", "key", "directive"]))
    with scratch() as folder:
        marker = folder / "pwned"
        snippet = snippet.replace("{marker}", str(marker))
        parent = data.draw(st.sampled_from(MODEL_PATHS[base]))
        if place == "value":
            path = data.draw(
                st.sampled_from(
                    [p for p in ALL_PATHS[base] if p[:-1] == parent] or [(*parent, "x")]
                )
            )
            text = dump(mutated(BASES[base], path, "__EVIL__")).replace("__EVIL__", snippet)
        elif place == "key":
            # The tag on a plain key: ``!!python/object/apply:os.system evil: 1``.
            text = dump(mutated(BASES[base], (*parent, "__EVIL__"), 1))
            text = text.replace("__EVIL__", snippet.split()[0] + " evil")
        else:
            tagged = "!p!object/apply:os.system " + f'["touch {marker}"]'
            text = "%TAG !p! tag:yaml.org,2002:python/\n---\n" + dump(
                mutated(BASES[base], (*parent, "source"), "__EVIL__")
            ).replace("__EVIL__", tagged)
        path_, result = load_text(folder, text)
        assert not marker.exists(), "a YAML tag ran a command"
    assert isinstance(result, ScenarioError), text
    (problem,) = result.problems
    assert "not allowed" in problem.message
    evil_line = next(
        k for k, line in enumerate(text.splitlines(), 1) if "!" in line and "%TAG" not in line
    )
    assert problem.line == evil_line, (problem, text)


@settings(SLOW, max_examples=12 * SCALE)  # each builds the loader's limit of values: about 0.5 s
@given(
    width=st.integers(2, 12),
    depth=st.integers(3, 12),
    merge=st.booleans(),
)
def test_alias_bombs_are_stopped_quickly(width: int, depth: int, merge: bool) -> None:
    """Exponential alias expansion ("billion laughs") ends quickly in a ScenarioError."""
    assume(width**depth > 200_000)
    if merge:
        lines = ["b0: &b0 {x: 1, y: [1, 2]}"]
        for k in range(1, depth):
            refs = ", ".join([f"*b{k - 1}"] * width)
            lines.append(f"b{k}: &b{k} {{<<: [{refs}], z: [{refs}]}}")
    else:
        lines = ["a0: &a0 [" + ",".join(['"lol"'] * width) + "]"]
        for k in range(1, depth):
            lines.append(f"a{k}: &a{k} [" + ",".join([f"*a{k - 1}"] * width) + "]")
    text = "\n".join(lines) + "\n"
    with scratch() as folder:
        start = time.perf_counter()
        _, result = load_text(folder, text)
        elapsed = time.perf_counter() - start
    assert isinstance(result, ScenarioError)
    (problem,) = result.problems
    assert "aliases" in problem.message
    assert problem.line is not None and problem.field
    assert elapsed < 10, elapsed


@pytest.mark.parametrize(
    "text",
    [
        "a: &a [*a]\n",
        "a: &a {b: *a}\n",
        "a: &a {<<: *a}\n",
        "a: &a [1, {b: [*a]}]\n",
    ],
)
def test_recursive_aliases(tmp_path: Path, text: str) -> None:
    """An alias inside its own anchor is refused, with a line, instead of recursing."""
    _, result = load_text(tmp_path, text)
    assert isinstance(result, ScenarioError)
    (problem,) = result.problems
    assert problem.line == 1
    assert "nested" in problem.message


@SLOW
@given(
    depth=st.integers(1, 3000),
    style=st.sampled_from(["flow-list", "flow-map", "block-map", "block-list"]),
)
def test_deep_nesting(depth: int, style: str) -> None:
    """Deep nesting loads (if shallow and harmless) or is refused with a line, never a crash."""
    if style == "flow-list":
        text = "source: " + "[" * depth + "]" * depth + "\n"
    elif style == "flow-map":
        text = "source: " + "{a: " * depth + "1" + "}" * depth + "\n"
    elif style == "block-map":
        depth = min(depth, 400)
        text = "source:\n" + "".join("  " * (k + 1) + "a:\n" for k in range(depth))
    else:
        depth = min(depth, 400)
        text = "source:\n" + "".join("  " * (k + 1) + "-\n" for k in range(depth))
    with scratch() as folder:
        _, result = load_text(folder, text)
    assert isinstance(result, ScenarioError)
    for problem in result.problems:
        assert problem.line is not None, problem


@SLOW
@given(text=st.text(max_size=300))
def test_arbitrary_text(text: str) -> None:
    """Any text at all: a Scenario or a well-formed ScenarioError."""
    with scratch() as folder:
        load_text(folder, text)


@SLOW
@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes(raw: bytes) -> None:
    """Any bytes at all: a Scenario or a well-formed ScenarioError."""
    with scratch() as folder:
        path = write(folder, "s.yaml", raw)
        outcome(path, {path: raw})


YAML_NOISE = st.sampled_from(
    list(":-?[]{},#&*!|>'\"%@`\t\n ")
    + ["\n  ", ": ", "- ", "<<: ", "~", "null", "1e9", ".nan", "&a ", "*a"]
)


@FAST
@given(base=base_names, data=st.data())
def test_text_level_mutations(base: str, data: st.DataObject) -> None:
    """Random edits to the text (syntax breakage included) never escape as another error."""
    text = base_text(base)
    for _ in range(data.draw(st.integers(1, 4))):
        lines = text.splitlines(keepends=True)
        how = data.draw(st.sampled_from(["insert", "delete", "dup-line", "drop-line", "indent"]))
        k = data.draw(st.integers(0, max(0, len(lines) - 1)))
        if how == "insert":
            at_ = data.draw(st.integers(0, len(text)))
            text = text[:at_] + data.draw(YAML_NOISE) + text[at_:]
        elif how == "delete":
            at_ = data.draw(st.integers(0, len(text)))
            text = text[:at_] + text[at_ + data.draw(st.integers(1, 5)) :]
        elif how == "dup-line":
            text = "".join(lines[: k + 1] + lines[k:])
        elif how == "drop-line":
            text = "".join(lines[:k] + lines[k + 1 :])
        else:
            text = "".join(lines[:k] + ["  " + "".join(lines[k : k + 1])] + lines[k + 1 :])
    with scratch() as folder:
        load_text(folder, text)


@SLOW
@given(
    rows=st.lists(
        st.one_of(
            st.tuples(
                st.one_of(st.dates().map(str), st.text(max_size=12)),
                st.sampled_from(["industrial", "industriel", "", " ", "x"]),
            ).map(lambda r: ",".join(r)),
            st.text(max_size=30),
        ),
        max_size=20,
    ),
    header=st.sampled_from(["date,type", "type,date", "date,kind", "", "Date , Type", "date"]),
)
def test_csv_arrivals(rows: list[str], header: str) -> None:
    """A fuzzed CSV of signings loads or points into the CSV file at a row line."""
    with scratch() as folder:
        write(folder, "base.yaml", MINIMAL_FILE.read_text(encoding="utf-8"))
        content = "\n".join([header, *rows]) + "\n"
        csv_path = write(folder, "signed.csv", content)
        scenario = write(
            folder, "s.yaml", "extends: base.yaml\narrivals: {kind: csv, path: signed.csv}\n"
        )
        files = {
            scenario: scenario.read_bytes(),
            csv_path: csv_path.read_bytes(),
            folder / "base.yaml": (folder / "base.yaml").read_bytes(),
        }
        result = outcome(scenario, files)
    if isinstance(result, ScenarioError):
        for problem in result.problems:
            if problem.file == str(csv_path) and problem.line is not None:
                assert problem.line <= len(content.splitlines()) + 1  # \r ends a row too


# --------------------------------------------------------------------------- one-off hostile files


def test_huge_files_are_refused_before_parsing(tmp_path: Path) -> None:
    """Scenario, base and CSV files over the size limit are refused, quickly."""
    big = b"name: x\ndescription: >-\n" + b"  " + b"word " * (MAX_FILE_BYTES // 5) + b"\n"
    path = write(tmp_path, "huge.yaml", big)
    start = time.perf_counter()
    result = outcome(path)
    assert isinstance(result, ScenarioError)
    assert "5 MB" in str(result)
    write(tmp_path, "child.yaml", "extends: huge.yaml\n")
    assert "5 MB" in str(outcome(tmp_path / "child.yaml"))
    write(tmp_path, "base.yaml", MINIMAL_FILE.read_text(encoding="utf-8"))
    write(
        tmp_path, "signed.csv", b"date,type\n" + b"2026-01-05,industrial\n" * (MAX_FILE_BYTES // 20)
    )
    csv_child = write(
        tmp_path, "c.yaml", "extends: base.yaml\narrivals: {kind: csv, path: signed.csv}\n"
    )
    assert "5 MB" in str(outcome(csv_child))
    assert time.perf_counter() - start < 10


def test_file_just_under_the_limit_is_quick(tmp_path: Path) -> None:
    """A hostile file just under the size limit is refused within seconds, not minutes."""
    body = "".join(f"  k{k}: {{a: 1, b: [1, 2]}}\n" for k in range(200_000))
    text = "name: x\nsource:\n" + body[: MAX_FILE_BYTES - 100].rsplit("\n", 1)[0] + "\n"
    path = write(tmp_path, "big.yaml", text)
    start = time.perf_counter()
    result = outcome(path)
    assert isinstance(result, ScenarioError)
    assert time.perf_counter() - start < 15


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ('extends: "a\\0b.yaml"\n', "extends", "NUL"),
        ("extends: /dev/zero\n", "extends", "not a regular file"),
        ("extends: .\n", "extends", "folder"),
        (
            f'extends: {MINIMAL_FILE}\narrivals: {{kind: csv, path: "x\\0.csv"}}\n',
            "arrivals.path",
            "NUL",
        ),
        (f"extends: {MINIMAL_FILE}\narrivals: {{kind: csv, path: .}}\n", "arrivals.path", "folder"),
        (f"extends: {MINIMAL_FILE}\narrivals: {{kind: csv}}\n", "arrivals.path", "missing"),
    ],
)
def test_files_named_inside_a_scenario(tmp_path: Path, text: str, field: str, words: str) -> None:
    """Bad ``extends`` and CSV paths are reported at the line that names them."""
    path, result = load_text(tmp_path, text)
    assert isinstance(result, ScenarioError)
    (problem,) = result.problems
    assert (problem.file, problem.field) == (str(path), field)
    assert problem.line == (1 if field == "extends" else 2)
    assert words in problem.message


@pytest.mark.parametrize(
    ("text", "field", "line"),
    [
        ("~: 1\n", "null", 1),
        ("true: 1\n", "true", 1),
        ("name: x\n2026-02-30: 1\n", "2026-02-30", 2),
        ("name: x\ndepartments:\n  ~: {staff: 1}\n", "departments.null", 3),
        (
            "name: x\ndepartments:\n  a: {staff: 1}\n  2026-01-01: {staff: 1}\n",
            "departments.2026-01-01",
            4,
        ),
        ("name: x\ndepartments:\n  1.5: {staff: 1}\n", "departments.1.5", 3),
    ],
)
def test_keys_that_are_not_text(tmp_path: Path, text: str, field: str, line: int) -> None:
    """Keys written as null, booleans, dates or numbers are named as written, at their line."""
    _, result = load_text(tmp_path, text)
    assert isinstance(result, ScenarioError)
    problem = next(p for p in result.problems if p.field == field)
    assert problem.line == line


def test_misspelt_kind_and_missing_kind(tmp_path: Path) -> None:
    """``knid:`` is a misspelt key; a distribution without ``kind`` gets the kind its keys fit."""
    text = (
        MINIMAL_FILE.read_text(encoding="utf-8").replace(
            "{kind: triangular, low: 1, mode: 2, high: 4}",
            "{knid: triangular, low: 1, mode: 2, high: 4}",
        )
        + "handoff_days: {low: 1, mode: 2, high: 3}\n"
    )
    _, result = load_text(tmp_path, text)
    assert isinstance(result, ScenarioError)
    typo = next(p for p in result.problems if p.field == "items.EIA.effort_wd.knid")
    assert (typo.suggestion, typo.line) == ("kind", 13)
    missing = next(p for p in result.problems if p.field == "handoff_days.kind")
    assert missing.suggestion == "triangular"
    assert "required field is missing" in missing.message


def test_invalid_timestamp_key_twice_and_aliased(tmp_path: Path) -> None:
    """An impossible date used twice (or through an alias) is reported, not "recursive"."""
    text = "name: x\na: &d 2026-02-30\nb: *d\n2026-02-30: 1\n"
    _, result = load_text(tmp_path, text)
    assert isinstance(result, ScenarioError)
    assert "recursive" not in str(result)
    assert {p.field for p in result.problems} >= {"a", "b", "2026-02-30"}


def test_plain_equals_and_merge_signs_are_text(tmp_path: Path) -> None:
    """A plain ``=`` or ``<<`` written as a value is text, not a refused tag."""
    text = MINIMAL_FILE.read_text(encoding="utf-8") + "description: =\nsource: <<\n"
    _, result = load_text(tmp_path, text)
    assert isinstance(result, Scenario), str(result)
    assert (result.description, result.source) == ("=", "<<")


def test_huge_integer(tmp_path: Path) -> None:
    """An integer with thousands of digits is a located error, not a ValueError."""
    _, result = load_text(tmp_path, "name: x\nrun:\n  seed: " + "9" * 5000 + "\n")
    assert isinstance(result, ScenarioError)
    problem = next(p for p in result.problems if p.field == "run.seed")
    assert problem.line == 3
    assert len(str(problem)) < 200


def test_device_as_scenario_file() -> None:
    """A device is refused instead of read (``/dev/zero`` never ends, a tty waits)."""
    result = outcome(Path("/dev/zero"))
    assert isinstance(result, ScenarioError)
    assert "device" in str(result)


positive = st.one_of(
    st.floats(min_value=0, max_value=1e300, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, 5e-324, 1e-300, 1e-10, 1.0, 1e10, 1e154, 1e300, 1.7e308]),
)
distributions = st.one_of(
    positive,
    st.fixed_dictionaries({"kind": st.just("fixed"), "value": positive}),
    st.fixed_dictionaries({"kind": st.just("uniform"), "low": positive, "high": positive}),
    st.fixed_dictionaries(
        {"kind": st.just("triangular"), "low": positive, "mode": positive, "high": positive}
    ),
    st.fixed_dictionaries({"kind": st.just("exponential"), "mean": positive}),
    st.fixed_dictionaries(
        {"kind": st.sampled_from(["lognormal", "gamma"]), "mean": positive, "sd": positive}
    ),
    st.fixed_dictionaries(
        {
            "kind": st.just("empirical"),
            "values": st.lists(positive, min_size=1, max_size=4),
            "weights": st.none() | st.lists(positive, min_size=1, max_size=4),
        }
    ),
)


@FAST
@given(dist=distributions, field=st.sampled_from(["effort_wd", "elapsed_days", "fix_days"]))
def test_extreme_distribution_parameters(dist: Any, field: str) -> None:
    """Tiny, huge and lopsided parameters load only if every draw is a finite, sane number."""
    path = ("items", "EIA", field)
    text = dump(mutated(MINIMAL, path, dist))
    with scratch() as folder:
        file, result = load_text(folder, text)
    if isinstance(result, ScenarioError):
        check_located(result, file, text)
        assert all(p.field.startswith(dotted(path)) for p in result.problems), str(result)
        return
    spec = getattr(result.items["EIA"], field)
    for u in (0.0, 1e-12, 0.5, 0.999999, 1.0 - 2.0**-53):
        assert math.isfinite(spec.quantile(u))
    assert 0 <= spec.mean <= 36_500


@FAST
@given(
    start=st.dates(min_value=dt.date(1, 1, 1)),
    horizon=st.floats(min_value=1e-3, max_value=1e300),
    drain=st.floats(min_value=1e-3, max_value=1e300),
)
def test_run_must_end_within_the_calendar(start: dt.date, horizon: float, drain: float) -> None:
    """A run that would outlast the calendar (year 9999) is a located error, not a crash later."""
    text = dump(
        mutated(
            MINIMAL,
            ("run",),
            {"start_date": start, "horizon_days": horizon, "drain_limit_days": drain},
        )
    )
    with scratch() as folder:
        file, result = load_text(folder, text)
    if isinstance(result, Scenario):
        end = start + dt.timedelta(days=horizon + drain)
        assert end < dt.date(9999, 12, 31)
    else:
        check_located(result, file, text)
        assert all(p.field.startswith("run.") for p in result.problems), str(result)


PARSER_CASES = [
    MINIMAL_FILE.read_text(encoding="utf-8"),
    BASELINE_FILE.read_text(encoding="utf-8"),
    "name: x\ndepartments:\n  a: {staff: 1\nitems: {}\n",
    "名称: 投资\nb: \x07\n",
    "a: &a [*a]\n",
    "source: " + "[" * 200 + "]" * 200 + "\n",
    "a0: &a0 [" + ",".join(["x"] * 1000) + "]\na1: [" + ",".join(["*a0"] * 1000) + "]\n",
    MINIMAL_FILE.read_text(encoding="utf-8").replace("    staff: 3\n", "    stafff: 3\n"),
    "d: &d {staff: 1}\ndepartments:\n  a:\n    <<: *d\n    queue: edf\n",
    "---\na: 1\n---\nb: 2\n",
    "a: !!python/name:os.system\n",
]


@pytest.mark.parametrize("text", PARSER_CASES)
def test_c_and_python_parsers_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    """The C parser (used when present) and PyYAML's own give the same data and lines."""
    import model.scenario.yaml_reader as yaml_reader

    path = write(tmp_path, "s.yaml", text)
    outcomes = []
    for parser in (getattr(yaml_reader, "_CLoader", yaml_reader._PyLoader), yaml_reader._PyLoader):
        monkeypatch.setattr(yaml_reader, "_Loader", parser)
        result = outcome(path, {path: text.encode("utf-8")})
        if isinstance(result, ScenarioError):
            # Syntax messages are worded differently; place and kind must agree.
            outcomes.append([(p.file, p.line, p.field, p.message[:12]) for p in result.problems])
        else:
            outcomes.append(result)
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize(
    "key",
    ['"\\e[2J\\e[31mred"', '"two\\nlines"', '"\\u202Eevil"', '"tab\\there"', '"nul\\0"'],
)
def test_control_characters_in_keys_are_escaped(tmp_path: Path, key: str) -> None:
    """A key with escape sequences or line breaks prints as one inert line."""
    text = MINIMAL_FILE.read_text(encoding="utf-8") + f"{key}: 1\n"
    _, result = load_text(tmp_path, text)
    assert isinstance(result, ScenarioError)
    (problem,) = result.problems
    assert problem.line == 27
    assert "\\" in str(problem) and len(str(result).splitlines()) == 1
