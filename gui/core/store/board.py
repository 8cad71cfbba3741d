"""The class board of a lesson, read through its own unguessable token: every student of the
lesson (and of no other) with their runs, the best run's test score as a leaderboard, and
what the best run changed from the lesson's start.

The score is the run's score on the lesson's hidden test rows (recorded by the training
worker, gui.core.inspection.hidden_test); only for a lesson without hidden rows is it the
run's own test score (what Evaluate shows), and the board says which. For a number it is the
R² in the target's own units (vocabulary.UNITS_SCORE: students may scale the target or not,
so only that compares them); otherwise it is the first compile metric when the run has
one, else the loss; better is higher or lower as
vocabulary.higher_is_better says (accuracy and R² up; the loss and errors such as the mean
absolute error down). Only runs that predict the lesson's target from the lesson's data
compete (`comparable`); a student's run on another column is listed, not ranked. The best
runs' curves share a chart only when their losses are on one scale (`curve_scale`).

From the board the teacher can copy a student's run into their own workspace
(`copy_to_teacher`): the lesson knows the teacher's workspace, so the board's tab never
learns its token, and only runs of the lesson's own students can be copied.

Example:
    lesson, entries = class_board(lessons, runs, board_token)
    entries[0].student.name, entries[0].score, entries[0].changes
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gui.core.spec.diff import Difference, differences
from gui.core.spec.heads import EDITABLE
from gui.core.spec.schema import ExperimentSpec
from gui.core.spec.vocabulary import UNITS_SCORE, higher_is_better
from gui.core.store.lessons import Lesson, Lessons, Student
from gui.core.store.runs import RunRecord, Runs
from gui.core.store.workspaces import StoreError


@dataclass
class Entry:
    """One student on the board."""

    student: Student
    runs: list[RunRecord]
    best: RunRecord | None = None
    score: float | None = None
    metric: str | None = None
    changes: list[Difference] = field(default_factory=list)
    hidden: bool = False  # scored on the lesson's hidden test rows (else its own test split)
    elsewhere: int = 0  # runs not ranked: they predict another column or use other data

    @property
    def latest(self) -> RunRecord | None:
        return self.runs[-1] if self.runs else None


def shown_names(entries: list[Entry]) -> dict[int, str]:
    """{student id: the name the board shows}: the name as typed, and for a name that an
    earlier student already has, its number among them ("Ana", "Ana (2)"), so that two
    students are never one line, one link or one choice."""
    seen: dict[str, int] = {}
    out = {}
    for entry in sorted(entries, key=lambda e: e.student.id):
        name = entry.student.name
        seen[name.casefold()] = seen.get(name.casefold(), 0) + 1
        count = seen[name.casefold()]
        out[entry.student.id] = name if count == 1 else f"{name} ({count})"
    return out


def score(record: RunRecord, hidden: bool = False) -> tuple[str, float] | None:
    """(metric name, value) of a run's score on the hidden test rows (`hidden`) or on its
    own test split; None before it has one."""
    metrics = (record.hidden_metrics if hidden else record.test_metrics) or {}
    if UNITS_SCORE in metrics:
        return UNITS_SCORE, metrics[UNITS_SCORE]
    for name in record.spec.compile.metrics:
        if isinstance(name, str) and name in metrics:
            return name, metrics[name]
    return ("loss", metrics["loss"]) if "loss" in metrics else None


def curve_scale(entry: Entry) -> str:
    """What the numbers of `entry.best`'s loss curve are on, in words: its loss and, for a
    number, whether the target was standardised for training or kept in its own units. Two
    runs on different scales cannot share an axis (a loss of 0.3 on the standardised target
    and one of 1.5e5 in price² say nothing about each other)."""
    spec = entry.best.spec
    loss = str(spec.compile.loss)
    if entry.metric != UNITS_SCORE:  # a class: the loss does not depend on any scaling
        return loss
    return f"{loss}, target {'standardised' if spec.data.scale_target else 'in its own units'}"


def by_curve_scale(entries: list[Entry]) -> dict[str, list[Entry]]:
    """The entries with a best run, grouped by `curve_scale`, in board order."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.best is not None and entry.best.history:
            groups.setdefault(curve_scale(entry), []).append(entry)
    return groups


def comparable(spec: ExperimentSpec, start: ExperimentSpec | None) -> bool:
    """Whether a run of `spec` competes with the lesson's (whose start is `start`): it
    predicts the same column of the same data. A student who predicts another column, or
    uploads other data, has runs the board lists but does not rank."""
    return start is None or (spec.data.target == start.data.target
                             and spec.data.source == start.data.source)


def _better(metric: str, a: float, b: float) -> bool:
    return a > b if higher_is_better(metric) else a < b


def class_board(lessons: Lessons, runs: Runs, board: str) -> tuple[Lesson, list[Entry]] | None:
    """The board of `board` (None for a token that is no board), best score first; students
    without a score after them, in the order they joined."""
    lesson = lessons.by_board(board)
    if lesson is None:
        return None
    start = lesson_spec(lessons, lesson)
    entries = []
    for student in lessons.students(board):
        entry = Entry(student, runs.list(student.copy), hidden=lesson.hidden is not None)
        for record in entry.runs:
            if not comparable(record.spec, start):
                entry.elsewhere += 1
                continue
            found = score(record, entry.hidden)
            if found and (entry.score is None or (found[0] == entry.metric and _better(
                    found[0], found[1], entry.score))):
                entry.best, (entry.metric, entry.score) = record, found
        shown = entry.best or entry.latest
        if shown is not None and start is not None:
            entry.changes = differences(start, shown.spec)
        entries.append(entry)
    scored = [e for e in entries if e.score is not None]
    higher = not scored or higher_is_better(scored[0].metric)
    scored.sort(key=lambda e: -e.score if higher else e.score)
    return lesson, scored + [e for e in entries if e.score is None]


def copy_to_teacher(lessons: Lessons, runs: Runs, board: str, copy: str,
                    run_id: int) -> str:
    """Make run `run_id` of the student whose workspace is `copy` the design in the workspace
    the lesson was published from: its layers, compile and fit settings and its data
    choices; the teacher's own dataset stays (with the file's reading settings). Returns what
    was done, in words; StoreError when the run is not one of this board's students'."""
    lesson = lessons.by_board(board)
    student = next((s for s in lessons.students(board) if s.copy == copy), None)
    if lesson is None or student is None:
        raise StoreError("This run is not one of this board's students'.")
    record = runs.get(copy, run_id)  # StoreError when the copy has no such run
    spec = record.spec.to_dict()
    file_fields = ("source", "header", "sheet", "delimiter", "encoding", "test_source")

    def change(state: dict) -> dict:
        mine = (state.get("spec") or {}).get("data") or {}
        spec["data"] = {**spec["data"], **{k: mine[k] for k in file_fields if k in mine}}
        edited = sorted(set(state.get("edited") or []) | set(EDITABLE))
        return {**state, "spec": spec, "edited": edited}

    try:
        lessons.store.update_state(lesson.teacher, change)
    except StoreError:
        raise StoreError("The workspace this lesson was published from does not exist any "
                         "more (Start over or the idle purge), so there is nowhere to copy "
                         "the run to.") from None
    return (f"{record.name} of {student.name} is now the design in your workspace: open it "
            "from the link you published the lesson from.")


def lesson_spec(lessons: Lessons, lesson: Lesson) -> ExperimentSpec | None:
    """The spec the students started from."""
    try:
        return ExperimentSpec.from_dict(lessons.store.load(lesson.template).state.get("spec"))
    except Exception:  # noqa: BLE001 - an unreadable start only loses the "changed" column
        return None
