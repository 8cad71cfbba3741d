"""The class board of a lesson, read through its own unguessable token: every student of the
lesson (and of no other) with their runs, the best run's test score as a leaderboard, and
what the best run changed from the lesson's start.

The score is the run's own test score (what Evaluate shows): the first compile metric when
the run has one (higher is better, e.g. accuracy), else the test loss (lower is better).

Example:
    lesson, entries = class_board(lessons, runs, board_token)
    entries[0].student.name, entries[0].score, entries[0].changes
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gui.core.spec.diff import Difference, differences
from gui.core.spec.schema import ExperimentSpec
from gui.core.store.lessons import Lesson, Lessons, Student
from gui.core.store.runs import RunRecord, Runs


@dataclass
class Entry:
    """One student on the board."""

    student: Student
    runs: list[RunRecord]
    best: RunRecord | None = None
    score: float | None = None
    metric: str | None = None
    changes: list[Difference] = field(default_factory=list)

    @property
    def latest(self) -> RunRecord | None:
        return self.runs[-1] if self.runs else None


def score(record: RunRecord) -> tuple[str, float] | None:
    """(metric name, value) of a run's test score; None before it has one."""
    metrics = record.test_metrics or {}
    for name in record.spec.compile.metrics:
        if isinstance(name, str) and name in metrics:
            return name, metrics[name]
    return ("loss", metrics["loss"]) if "loss" in metrics else None


def _better(metric: str, a: float, b: float) -> bool:
    return a < b if metric == "loss" else a > b


def class_board(lessons: Lessons, runs: Runs, board: str) -> tuple[Lesson, list[Entry]] | None:
    """The board of `board` (None for a token that is no board), best score first; students
    without a score after them, in the order they joined."""
    lesson = lessons.by_board(board)
    if lesson is None:
        return None
    start = lesson_spec(lessons, lesson)
    entries = []
    for student in lessons.students(board):
        entry = Entry(student, runs.list(student.copy))
        for record in entry.runs:
            found = score(record)
            if found and (entry.score is None or (found[0] == entry.metric and _better(
                    found[0], found[1], entry.score))):
                entry.best, (entry.metric, entry.score) = record, found
        shown = entry.best or entry.latest
        if shown is not None and start is not None:
            entry.changes = differences(start, shown.spec)
        entries.append(entry)
    scored = [e for e in entries if e.score is not None]
    higher = not scored or scored[0].metric != "loss"
    scored.sort(key=lambda e: -e.score if higher else e.score)
    return lesson, scored + [e for e in entries if e.score is None]


def lesson_spec(lessons: Lessons, lesson: Lesson) -> ExperimentSpec | None:
    """The spec the students started from."""
    try:
        return ExperimentSpec.from_dict(lessons.store.load(lesson.template).state.get("spec"))
    except Exception:  # noqa: BLE001 - an unreadable start only loses the "changed" column
        return None
