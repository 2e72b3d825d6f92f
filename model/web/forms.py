"""The what-if form: the eighteen switches, staff and arrivals, turned into a scenario file.

A variant is never a scenario changed in place: it is a small YAML file that
``extends:`` the baseline and writes only what the form changed (style guide,
rule 3). That file is validated by the same loader as every scenario file
(:func:`model.scenario.loader.load_scenario`), so a bad value typed on the
page gets the message the command line gives for the same file, with its line,
dotted field and the fix (``departments.住建局.staff: must be greater than or
equal to 0, got -1``), and the file offered for download is the one that was
run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from model.scenario.loader import load_scenario
from model.scenario.mechanisms import MECHANISMS, MechanismInfo
from model.scenario.overrides import parse_scalar
from model.scenario.problems import Problem, ScenarioError
from model.scenario.schema import Scenario, set_dotted

#: Most replications one run of the page may ask for (a county-year takes seconds each).
MAX_REPLICATIONS = 50
#: Fewest replications: a confidence interval needs two.
MIN_REPLICATIONS = 2
#: Replications a run has unless the user asks for others.
DEFAULT_REPLICATIONS = 4

#: 拿地即开工 is an outcome, not a lever; the page gives its row the one setting that acts
#: on it directly, issuing the simulated documents together with the land (交地即发证).
_LAND_EQUALS_START = {"simulated_approval_options.issue_at_land": True}

#: What "off" writes for a value that "on" writes (booleans are simply negated).
_OFF_VALUES: dict[Any, Any] = {"parallel": "serial"}


@dataclass(frozen=True)
class Switch:
    """One of the eighteen mechanisms as a checkbox of the form.

    Attributes:
        slug: The checkbox's name without its ``switch-`` prefix (stable, ASCII).
        info: The mechanism's entry in :data:`model.scenario.mechanisms.MECHANISMS`.
        on: The dotted settings that switch it on.
        note: Why the row acts on another setting than the catalogue's (拿地即开工), or "".

    """

    slug: str
    info: MechanismInfo
    on: Mapping[str, Any]
    note: str = ""

    @property
    def off(self) -> dict[str, Any]:
        """The dotted settings that switch it off."""
        return {
            path: (not value) if isinstance(value, bool) else _OFF_VALUES.get(value, value)
            for path, value in self.on.items()
        }

    def is_on(self, scenario: Scenario) -> bool:
        """Whether ``scenario`` has every setting of :attr:`on`."""
        data = scenario.model_dump(mode="python")
        return all(_dotted(data, path) == value for path, value in self.on.items())


def _dotted(data: Mapping[str, Any], path: str) -> Any:
    node: Any = data
    for key in path.split("."):
        node = node.get(key) if isinstance(node, Mapping) else None
    return node


def _slug(path: str) -> str:
    parts = path.split(".")
    return parts[1] if parts[0] == "mechanisms" else parts[-1]


def _switches() -> tuple[Switch, ...]:
    switches = []
    for info in MECHANISMS:
        if info.key == "(outcome)":
            on: Mapping[str, Any] = _LAND_EQUALS_START
            note = "issue_at_land"
        else:
            on, note = info.switch, ""
        switches.append(Switch(_slug(next(iter(on))), info, on, note))
    return tuple(switches)


#: The form's eighteen checkboxes, in the notice's order.
SWITCHES: tuple[Switch, ...] = _switches()


@dataclass(frozen=True)
class Choices:
    """What the form asks for, as typed (text, so that a bad value can be reported).

    Attributes:
        name: The variant's name.
        switches: Slug → checked, for every switch.
        staff: Department → the staff typed (an empty text keeps the baseline's).
        rate: Signings per year as typed ("" keeps the baseline's).
        replications: Replications as typed.

    """

    name: str
    switches: Mapping[str, bool]
    staff: Mapping[str, str]
    rate: str
    replications: str

    @classmethod
    def of(cls, baseline: Scenario) -> Choices:
        """The form filled in with the baseline's own values (nothing changed yet)."""
        return cls(
            name=f"{baseline.name}-whatif",
            switches={s.slug: s.is_on(baseline) for s in SWITCHES},
            staff={key: str(d.staff) for key, d in baseline.departments.items()},
            rate=_rate_text(baseline),
            replications=str(DEFAULT_REPLICATIONS),
        )

    @classmethod
    def from_form(cls, form: Mapping[str, Any], baseline: Scenario) -> Choices:
        """Read the posted form: ``switch-<slug>``, ``staff.<department>``, ``rate``, ..."""
        default = cls.of(baseline)
        return cls(
            name=str(form.get("name", "")).strip() or default.name,
            switches={s.slug: form.get(f"switch-{s.slug}") == "on" for s in SWITCHES},
            staff={key: str(form.get(f"staff.{key}", "")).strip() for key in baseline.departments},
            rate=str(form.get("rate", "")).strip(),
            replications=str(form.get("replications", "")).strip() or default.replications,
        )


def _rate_text(scenario: Scenario) -> str:
    rate = getattr(scenario.arrivals, "rate_per_year", None)
    return "" if rate is None else f"{rate:g}"


@dataclass(frozen=True)
class Variant:
    """A validated what-if variant and the scenario file that describes it.

    Attributes:
        scenario: The variant, validated.
        document: The scenario file's content (``extends:`` the baseline).
        file_name: The name to save it under, e.g. ``parallel-whatif.yaml``.
        replications: Replications to run of it and of the baseline.
        changes: The dotted settings the form changed, in form order.

    """

    scenario: Scenario
    document: dict[str, Any]
    file_name: str
    replications: int
    changes: dict[str, Any] = field(default_factory=dict)

    def yaml_text(self, baseline_file: str, seed: int) -> str:
        """The scenario file to download: comments, then the document."""
        header = (
            f"# What-if variant of {baseline_file}, made on the approvalsim page "
            f"({dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}).\n"
            f"# Save it next to {baseline_file}; the same comparison from the command line:\n"
            f"#   approvalsim compare {baseline_file} {self.file_name} "
            f"-n {self.replications} --seed {seed}\n"
        )
        return header + dump_yaml(self.document)


def dump_yaml(document: Mapping[str, Any]) -> str:
    """YAML as a person writes it: keys in order, Chinese kept as Chinese."""
    return yaml.safe_dump(dict(document), allow_unicode=True, sort_keys=False)


def changes_of(choices: Choices, baseline: Scenario) -> dict[str, Any]:
    """The dotted settings in which ``choices`` differ from ``baseline`` (as typed, parsed)."""
    changes: dict[str, Any] = {}
    for switch in SWITCHES:
        wanted = choices.switches.get(switch.slug, False)
        if wanted != switch.is_on(baseline):
            changes.update(switch.on if wanted else switch.off)
    for key, text in choices.staff.items():
        if text and key in baseline.departments:
            value = parse_scalar(text)
            if value != baseline.departments[key].staff:
                changes[f"departments.{key}.staff"] = value
    if choices.rate and parse_scalar(choices.rate) != getattr(
        baseline.arrivals, "rate_per_year", None
    ):
        changes["arrivals.rate_per_year"] = parse_scalar(choices.rate)
    return changes


#: Characters kept in a file name made from a scenario name (letters of any script too).
_UNSAFE = re.compile(r"[^\w.-]+")


def file_name(name: str) -> str:
    """A safe file name for a scenario: ``parallel whatif`` → ``parallel-whatif.yaml``."""
    stem = _UNSAFE.sub("-", name).strip(".-")[:80] or "whatif"
    return f"{stem}.yaml"


def build_variant(
    choices: Choices, baseline: Scenario, baseline_path: Path, folder: Path
) -> Variant:
    """Validate the form as a scenario file extending the baseline.

    The file is written into ``folder`` (the job's own) with ``extends:`` naming the
    baseline by its full path, and read back by the scenario loader; the problems it
    reports name the file by the name it is downloaded under, so the messages (line,
    field, fix) read as the command line would print them for the downloaded file.

    Args:
        choices: The form as posted.
        baseline: The baseline, validated.
        baseline_path: The baseline's file.
        folder: Where to write the variant's file.

    Raises:
        ScenarioError: A value the schema refuses, a name equal to the baseline's,
            or replications outside 2 to :data:`MAX_REPLICATIONS`.

    """
    problems = []
    name = choices.name
    target = file_name(name)
    if name == baseline.name:
        problems.append(
            Problem(
                target,
                None,
                "name",
                f"the variant is named like its baseline ({name!r}); a comparison labels its "
                "columns by name, so give the variant its own name",
            )
        )
    replications = parse_scalar(choices.replications)
    if (
        not isinstance(replications, int)
        or isinstance(replications, bool)
        or not MIN_REPLICATIONS <= replications <= MAX_REPLICATIONS
    ):
        problems.append(
            Problem(
                target,
                None,
                "run.replications",
                f"must be a whole number from {MIN_REPLICATIONS} to {MAX_REPLICATIONS}, "
                f"got {choices.replications!r}",
            )
        )
    if problems:
        raise ScenarioError(problems)
    assert isinstance(replications, int)
    changes = changes_of(choices, baseline)
    document: dict[str, Any] = {"extends": baseline_path.name, "name": name}
    if baseline.label_zh:
        # A Chinese name the variant shared with its baseline would not be shown.
        document["label_zh"] = f"{baseline.label_zh}（调整）"
    document["description"] = f"{baseline.name} with: " + (
        ", ".join(f"{path} = {value}" for path, value in changes.items()) or "no change"
    )
    for path, value in changes.items():
        set_dotted(document, path, value)
    folder.mkdir(parents=True, exist_ok=True)
    written = folder / target
    written.write_text(dump_yaml({**document, "extends": str(baseline_path)}), encoding="utf-8")
    try:
        scenario = load_scenario(written)
    except ScenarioError as error:
        raise ScenarioError(
            dataclasses.replace(p, file=target) if p.file == str(written) else p
            for p in error.problems
        ) from None
    return Variant(scenario, document, target, replications, changes)
