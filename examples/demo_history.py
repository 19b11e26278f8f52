"""A year of practice for the demo register, replayed on generated history in a few seconds.

Every step goes through the product's use cases, at the moment it happened (the register's
clock set back with ``history_at``): improvement files applied, lifecycles started, gates decided
by the people of ``examples/people.txt`` signed in (checked, signed, checked again), plan tasks
done, comments, and the weekly scheduled capture with the sustainment check. Run with the
register's settings in the environment: ``IMPROVE_HOME=.demo python examples/demo_history.py``.
"""

from __future__ import annotations

import getpass
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path

from demo_fates import FATES, PROCESSES, Fate, today
from demo_records import IDEAS, import_and_detect
from demo_runs import HistoryRuns
from demo_specs import document, timeline, write_files

from ci_workflow.domain.authority.actors import Actor, operating_system, signed_in
from ci_workflow.domain.clock import history_at
from ci_workflow.domain.stages.gates import Gate
from ci_workflow.services.intake import ideas, triage
from ci_workflow.services.lifecycle.decide import send_decision
from ci_workflow.services.lifecycle.start import start_round
from ci_workflow.services.lifecycle.withdraw import withdraw_improvement
from ci_workflow.services.measurement.capture import backfill, capture
from ci_workflow.services.measurement.sustainment import settle_ended
from ci_workflow.services.people import directory
from ci_workflow.services.people.directory import person_view_of
from ci_workflow.services.people.identity import set_password
from ci_workflow.services.register.apply import apply_files
from ci_workflow.services.register.discussion.comments import add_comment
from ci_workflow.services.register.plan_actions import set_action_status
from ci_workflow.services.reporting.delivery import deliver_sustained
from ci_workflow.settings import get_settings

RUNS = HistoryRuns()


@dataclass(frozen=True)
class Step:
    at: datetime
    what: str
    act: Callable[[], object]


def person(name: str) -> Actor:
    """``name`` signed in to the workspace: a verified person, as every decision needs."""
    return signed_in(person_view_of(name))


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def decide(key: str, gate: Gate, decision: str, by: str, **fields: object) -> Callable[[], object]:
    return lambda: send_decision(
        key, gate, decision, actor=person(by), runs=RUNS, confirm=True, **fields
    )


class Story:
    """One improvement's steps, each at its moment."""

    def __init__(self, fate: Fate) -> None:
        self.fate, self.when, self.steps = fate, timeline(fate), list[Step]()
        self.process_owner, self.owner, self.member = PROCESSES[fate.process]

    def add(self, day: date | None, hour: int, what: str, act: Callable[[], object]) -> None:
        if day is not None:
            self.steps.append(Step(at(day, hour), f"{self.fate.key} {what}", act))

    def decide(
        self, day: date | None, hour: int, gate: Gate, decision: str, **fields: object
    ) -> None:
        by = self.owner if decision in ("resubmit", "complete") else self.process_owner
        self.add(day, hour, decision, decide(self.fate.key, gate, decision, by, **fields))

    def measured(self, day: date | None, weeks: int) -> None:
        """The weeks before ``day`` replayed from the data (``improve backfill``)."""
        if day is not None:
            first, last = at(day - timedelta(weeks=weeks), 6), at(day, 6)
            key = self.fate.key
            self.add(day, 15, "measured", lambda: backfill(key, start=first, end=last, every="7d"))


def story(fate: Fate, folder: Path) -> list[Step]:
    """The steps of one improvement's year: identified, submitted (with the weeks before it
    measured), reworked and resubmitted, approved or rejected, executed, extended, completed,
    signed off or withdrawn, as its ``timeline`` says."""
    told, when, key = Story(fate), timeline(fate), fate.key
    path = write_files(folder, fate)
    told.add(
        fate.identified, 9, "identified", lambda: apply_files([path], actor=person("Carmen Ruiz"))
    )
    told.add(
        when.submitted,
        10,
        "submitted",
        lambda: start_round([key], actor=person(told.owner), runs=RUNS),
    )
    told.measured(when.submitted, 8)
    told.decide(when.reworked, 11, Gate.plan_approval, "rework", comment=REWORK)
    handle = told.owner.lower().replace(" ", "-")
    told.add(
        when.reworked,
        15,
        "asked",
        lambda: add_comment(key, f"@{handle} {ASK}", actor=person(told.process_owner)),
    )
    told.add(when.resubmitted, 9, "revised", lambda: revise(fate, folder, told.owner))
    told.decide(when.resubmitted, 10, Gate.resubmitted, "resubmit", comment=COSTED)
    verdict = "reject" if fate.end == "rejected" else "approve"
    told.decide(when.decided, 14, Gate.plan_approval, verdict, comment=SAID[verdict])
    if when.decided is not None and verdict == "approve":
        told.measured(when.decided, 10)
        told.steps += tasks(fate, when.decided, when.completed)
        told.add(
            when.decided + timedelta(days=20),
            12,
            "comment",
            lambda: add_comment(key, EARLY, actor=person(told.member)),
        )
    if when.extended is not None:
        told.decide(
            when.extended - timedelta(days=6), 16, Gate.execution_complete, "complete", comment=DONE
        )
        told.decide(when.extended, 11, Gate.review_signoff, "extend", comment=EXTEND)
    told.decide(when.completed, 16, Gate.execution_complete, "complete", comment=DONE)
    gain, cost = round(20000 * max(fate.reach, 0.1)), 9000 + 250 * len(key)
    told.decide(
        when.closed,
        15,
        Gate.review_signoff,
        "accept",
        lessons=LESSONS[fate.reach >= 1],
        realised_gain=gain,
        actual_cost=cost,
    )
    told.add(
        when.withdrawn,
        10,
        "withdrawn",
        lambda: withdraw_improvement(
            key, actor=person(told.process_owner), reason=WITHDRAWN, runs=RUNS
        ),
    )
    return told.steps


REWORK = "Cost it per site and name who runs it after go-live"
ASK = "the costs per site, please, before we look again"
COSTED = "Costed per site; the service desk runs it"
SAID = {
    "approve": "Targets are clear; go ahead",
    "reject": "Not this year: the contract runs until 2028",
}
EARLY = "First weeks look promising; the figures lag by a week"
DONE = "All actions done"
EXTEND = "Give it another month: the figures have not settled"
LESSONS = {
    True: "Small weekly steps with the people who do the work",
    False: "Agree the measure with the team before changing anything",
}
WITHDRAWN = "Overtaken by the new ITSM tool's own feature"


def tasks(fate: Fate, started: date, completed: date | None) -> list[Step]:
    """Plan tasks done when they fell due (all of them by completion); the later ones of an
    improvement still executing stay open, some past their due date."""
    steps = []
    for position, action in enumerate(document(fate, "")["plan"]):
        due: date = action["due"]
        finished = completed is not None or position == 0
        if finished and due - timedelta(days=2) < today():
            done_on = min(
                max(due - timedelta(days=2), started), completed or today() - timedelta(days=1)
            )
            owner = action["owner"]

            def done(position: int = position, owner: str = owner) -> object:
                return set_action_status(fate.key, position, "done", actor=person(owner))

            steps.append(Step(at(done_on, 17), f"{fate.key} task {position + 1} done", done))
    return steps


def revise(fate: Fate, folder: Path, owner: str) -> object:
    """The owner answers the rework: the plan costed again."""
    path = folder / f"{fate.key}.yaml"
    path.write_text(path.read_text().replace("estimated_cost: ", "estimated_cost: 1"), "utf-8")
    return apply_files([path], actor=person(owner))


def weekly(first: date, last: date) -> list[Step]:
    """The scheduled capture, every Monday at 06:00: checkpoints of improvements executing or
    in review, sustainment measurements of those closed; ended sustainment periods settled."""
    monday = first + timedelta(days=-first.weekday() % 7)
    steps = []
    while monday <= last:
        moment = at(monday, 6)

        def tick(moment: datetime = moment) -> object:
            capture(as_of=moment)
            return deliver_sustained(settle_ended(moment))

        steps.append(Step(moment, f"capture {monday}", tick))
        monday += timedelta(days=7)
    return steps


def intake() -> list[Step]:
    """Ideas people submitted through the year (one accepted, one dismissed, one waiting), and
    yesterday evening's import of the service desk and change exports, searched for findings."""
    numbers: dict[str, int] = {}

    def submit(name: str, title: str, text: str) -> object:
        numbers[name] = ideas.submit(title, text, actor=person(name)).number
        return numbers[name]

    steps = [
        Step(at(today() - timedelta(days=ago), 11), f"idea by {name}", partial(submit, name, *idea))
        for ago, (name, *idea) in zip((120, 45, 6), IDEAS, strict=True)
    ]
    steps.append(
        Step(
            at(today() - timedelta(days=110), 10),
            "idea accepted",
            lambda: triage.accept(
                numbers["Lena Fischer"], actor=person("Omar Haddad"), process="Incident Management"
            ),
        )
    )
    steps.append(
        Step(
            at(today() - timedelta(days=38), 10),
            "idea dismissed",
            lambda: triage.dismiss(
                numbers["Tomás Silva"],
                reason="Facilities label the ports in the spring refit",
                actor=person("Omar Haddad"),
            ),
        )
    )
    imports = get_settings().home_dir / "imports"
    steps.append(
        Step(
            at(today() - timedelta(days=1), 20),
            "exports imported",
            lambda: import_and_detect(imports),
        )
    )
    return steps


def register_people(people: Path, password: str) -> list[str]:
    """Everyone ``people`` lists (name | e-mail | roles), each with ``password``, by the
    register's administrator on its machine, as ``improve people add`` and ``passwd`` do."""
    admin = operating_system(getpass.getuser())
    names = []
    for line in people.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, email, roles = (part.strip() for part in line.split("|"))
            directory.add_person(
                name, email=email, roles=[r.strip() for r in roles.split(",")], actor=admin
            )
            set_password(
                email, password, actor=admin.name, channel="cli", principal=admin.principal
            )
            names.append(name)
    return names


def build(folder: Path, say: Callable[[str], None] = lambda _: None) -> int:
    """Replay the year into the register the settings name; the steps taken."""
    global RUNS
    RUNS = HistoryRuns()  # a fresh register: no run known yet
    steps = [s for fate in FATES for s in story(fate, folder)]
    first = min(fate.identified for fate in FATES)
    steps += weekly(first, today() - timedelta(days=1))
    steps += intake()
    steps.sort(key=lambda s: s.at)
    for step in steps:
        with history_at(step.at):
            step.act()
        say(f"{step.at:%Y-%m-%d} {step.what}")
    return len(steps)


if __name__ == "__main__":
    logging.getLogger("ci_workflow").setLevel(logging.ERROR)  # off-track warnings: in the trail
    here = Path(__file__).resolve().parent
    if sys.argv[1:2] == ["--people"]:
        print(f"registered {', '.join(register_people(here / 'people.txt', sys.argv[2]))}")
    else:
        folder = get_settings().home_dir / "history"
        print(f"replayed {build(folder)} steps of a year of practice ({folder})")
