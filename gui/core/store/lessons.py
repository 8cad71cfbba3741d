"""Lessons: a teacher's experiment frozen as a template, and every student's own copy of it
(DESIGN principle 10).

Publishing copies the teacher's document and the files it names into a template workspace
whose token no one is given; the lesson record holds its title, instructions, the rules
(visibility per control, limits), a short code to type (`LL-7K3Q`) and the board's own
unguessable token. Joining with the code and a display name makes a new workspace, a copy
of the template, behind a token of its own; Start over in a copy copies the template again.
Nothing a student does can write outside the copy: the copy is an ordinary workspace.

Lesson rows go with their template workspace, student rows with their copy (foreign keys
that cascade), so the idle purge and the quotas of workspaces apply to both.

Example:
    lessons = Lessons(store)
    lesson = lessons.publish(teacher_token, "Iris", "Train a network ...", rules)
    copy = lessons.join(lesson.code, "Ada")          # the student's own workspace token
    lessons.of_copy(copy)                            # (lesson, student)
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    exc,
    select,
)

from gui.core.spec.lesson_rules import LessonRules, limit_problems
from gui.core.spec.schema import ExperimentSpec
from gui.core.store.workspaces import (
    Store,
    StoreError,
    files,
    metadata,
    new_token,
    valid_token,
    workspaces,
)

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read off a projector
CODE_LENGTH = 4
MAX_NAME = 40
MAX_TITLE = 120
MAX_INSTRUCTIONS = 20_000

lessons_table = Table(
    "lessons", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("board", String(64), nullable=False, unique=True),
    Column("template", String(64), ForeignKey(workspaces.c.token, ondelete="CASCADE"),
           nullable=False, index=True),
    Column("teacher", String(64), nullable=False, index=True),
    Column("title", String(200), nullable=False),
    Column("instructions", Text, nullable=False),
    Column("rules", Text, nullable=False),
    Column("open", Integer, nullable=False, default=1),
    Column("created", Float, nullable=False),
    Column("hidden", Text),  # the hidden test rows: {"file", "rows", "share"}; None: none
)
students_table = Table(
    "students", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("lesson", Integer, ForeignKey(lessons_table.c.id, ondelete="CASCADE"),
           nullable=False, index=True),
    Column("copy", String(64), ForeignKey(workspaces.c.token, ondelete="CASCADE"),
           nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("joined", Float, nullable=False),
)


class LessonError(StoreError):
    """A code that names no lesson, a closed lesson, a name missing: said in words."""


@dataclass(frozen=True)
class Lesson:
    id: int
    code: str
    board: str
    template: str
    teacher: str
    title: str
    instructions: str
    rules: LessonRules
    open: bool
    created: float
    hidden: dict | None = None  # {"file": sha256 in the template, "rows": n, "share": 0.2}


@dataclass(frozen=True)
class HeldBack:
    """A dataset split for a lesson (made by gui.core.data.lesson_rows): the rows students
    get, as a CSV with a header, and the rows kept hidden as the class's test set."""

    name: str        # the students' file name
    visible: bytes
    hidden: bytes
    rows: int        # how many rows are hidden
    share: float     # the share of the rows the teacher asked to hide


@dataclass(frozen=True)
class Student:
    id: int
    lesson: int
    copy: str
    name: str
    joined: float


def new_code() -> str:
    return "LL-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(text: str) -> str:
    """What a student typed, as a code: case, spaces and the dash forgiven ("ll 7k3q")."""
    body = "".join(str(text).upper().split()).replace("-", "")
    return "LL-" + body.removeprefix("LL")


class Lessons:
    """The lessons and students tables; every method is one short transaction or a few."""

    def __init__(self, store: Store):
        self.store = store
        self.engine = store.engine
        store.create_tables(lessons_table, students_table)

    # ---- the teacher -----------------------------------------------------------------------
    def publish(self, teacher: str, title: str, instructions: str,
                rules: LessonRules, held: HeldBack | None = None) -> Lesson:
        """Freeze the teacher's workspace as it is now into a new lesson. With `held`, the
        students' dataset is its visible rows, and its hidden rows are kept in the template
        (a file no document names, so no copy ever gets it) for the workers to score on."""
        if self.of_copy(teacher) is not None:  # its locks and limits would be gone
            raise LessonError("This workspace is your copy of a lesson: a lesson is published "
                              "from a workspace of your own, not from a copy.")
        title = " ".join(str(title).split())[:MAX_TITLE]
        if not title:
            raise LessonError("A lesson needs a title: type one, e.g. \"Iris: how many "
                              "neurons?\", then publish.")
        if len(instructions) > MAX_INSTRUCTIONS:
            raise LessonError(f"The instructions are {len(instructions):,} characters long; "
                              f"keep them under {MAX_INSTRUCTIONS:,}.")
        snapshot = self.store.load(teacher)
        over = _over_limits(snapshot.state, rules)
        if over:
            raise LessonError("Your design goes over the limits you set, so no student could "
                              "train it: " + " ".join(over) + " Change it in your workspace "
                              "(the Model and Train pages) or raise the limits, then publish.")
        state = {**snapshot.state, "run": None}
        template = self.store.create(state)
        hidden = None
        if held is not None:
            shown = self.store.add_file(template, held.name, held.visible)
            kept = self.store.add_file(template, f"hidden test rows of {held.name}", held.hidden)
            spec = dict(state.get("spec") or {})
            spec["data"] = {**(spec.get("data") or {}), "header": "yes", "sheet": ""}
            state = {**state, "dataset": {"file": shown.sha256, "name": held.name},
                     "spec": spec}
            self.store.save_state(template, state)
            hidden = json.dumps({"file": kept.sha256, "rows": held.rows, "share": held.share})
        self._copy_files(teacher, template, snapshot.state if held is None
                         else {"test": state.get("test")})
        for _ in range(20):
            try:
                with self.engine.begin() as db:
                    result = db.execute(lessons_table.insert().values(
                        code=new_code(), board=new_token(), template=template, teacher=teacher,
                        title=title, instructions=instructions,
                        rules=json.dumps(rules.to_dict()), open=1, created=time.time(),
                        hidden=hidden))
                return self.get(int(result.inserted_primary_key[0]))
            except exc.IntegrityError:  # the code was taken: draw another
                continue
        raise LessonError("No free lesson code was found; publish again.")  # pragma: no cover

    def of_teacher(self, teacher: str) -> list[Lesson]:
        """The lessons published from the workspace `teacher`, newest first."""
        with self.engine.connect() as db:
            rows = db.execute(select(lessons_table).where(lessons_table.c.teacher == teacher)
                              .order_by(lessons_table.c.id.desc())).all()
        return [_lesson(r) for r in rows]

    def set_open(self, teacher: str, lesson_id: int, is_open: bool) -> None:
        """Close a lesson (its code then says so) or open it again; only its teacher can."""
        with self.engine.begin() as db:
            done = db.execute(lessons_table.update().where(
                lessons_table.c.id == lesson_id, lessons_table.c.teacher == teacher,
            ).values(open=int(bool(is_open)))).rowcount
        if done != 1:
            raise LessonError("This lesson is not one of this workspace's.")

    # ---- the students ----------------------------------------------------------------------
    def by_code(self, code: str) -> Lesson:
        """The lesson of a typed code; LessonError in words when there is none."""
        with self.engine.connect() as db:
            row = db.execute(select(lessons_table).where(
                lessons_table.c.code == normal_code(code))).first()
        if row is None:
            raise LessonError(f"No lesson has the code {normal_code(code)}. Check the code "
                              "on your teacher's screen (letters and digits, like LL-7K3Q).")
        return _lesson(row)

    def join(self, code: str, name: str) -> str:
        """A new workspace of the student's own, a copy of the lesson; its token."""
        lesson = self.by_code(code)
        if not lesson.open:
            raise LessonError(f"The lesson \"{lesson.title}\" ({lesson.code}) is closed: your "
                              "teacher is not taking new students now. Ask them to open it.")
        name = " ".join(str(name).split())[:MAX_NAME]
        if not name:
            raise LessonError("Type your name (as your teacher should see it on the class "
                              "board), then join.")
        with self.engine.connect() as db:
            taken = {str(n).casefold() for n in db.execute(select(students_table.c.name).where(
                students_table.c.lesson == lesson.id)).scalars()}
        if name.casefold() in taken:
            raise LessonError(f"Another student in this lesson is already called \"{name}\". "
                              "Add something that tells you apart, such as your surname's "
                              f"first letter (\"{name} B.\"), then join. If that is you and you "
                              "lost your link, your work is still there: find the link in "
                              "your browser's history (the page whose address has ?w=).")
        snapshot = self.store.load(lesson.template)
        copy = self.store.create(snapshot.state)
        self._copy_files(lesson.template, copy, snapshot.state)
        with self.engine.begin() as db:
            db.execute(students_table.insert().values(
                lesson=lesson.id, copy=copy, name=name, joined=time.time()))
        self.store.touch(lesson.template)  # a lesson in use is not idle
        return copy

    def of_copy(self, copy: str) -> tuple[Lesson, Student] | None:
        """The lesson a workspace is a copy of, and its student; None for other workspaces."""
        if not valid_token(copy):
            return None
        with self.engine.connect() as db:
            row = db.execute(select(students_table).where(
                students_table.c.copy == copy)).first()
        if row is None:
            return None
        return self.get(row.lesson), _student(row)

    def restart(self, copy: str) -> None:
        """Start over in a copy: the copy emptied (files, runs) and the lesson's start again."""
        found = self.of_copy(copy)
        if found is None:
            raise LessonError("This workspace is not a lesson's copy.")
        snapshot = self.store.load(found[0].template)
        self.store.clear(copy)
        self._copy_files(found[0].template, copy, snapshot.state)
        self.store.update_state(copy, lambda _: snapshot.state)

    # ---- the board -------------------------------------------------------------------------
    def by_board(self, board: str) -> Lesson | None:
        """The lesson of a board link; None for a token that is no board."""
        if not valid_token(board):
            return None
        with self.engine.connect() as db:
            row = db.execute(select(lessons_table).where(lessons_table.c.board == board)).first()
        return _lesson(row) if row else None

    def students(self, board: str) -> list[Student]:
        """The students of the board's lesson (and of no other), in the order they joined."""
        lesson = self.by_board(board)
        if lesson is None:
            return []
        with self.engine.connect() as db:
            rows = db.execute(select(students_table).where(
                students_table.c.lesson == lesson.id).order_by(students_table.c.id)).all()
        return [_student(r) for r in rows]

    def hidden_rows(self, copy: str) -> bytes | None:
        """The hidden test rows (CSV) of the lesson `copy` is a student's copy of; None for
        any other workspace or a lesson without them. For the training workers only: no
        page reads them."""
        found = self.of_copy(copy)
        if found is None or not found[0].hidden:
            return None
        return self.store.read_file(found[0].template, str(found[0].hidden["file"]))

    def get(self, lesson_id: int) -> Lesson:
        with self.engine.connect() as db:
            row = db.execute(select(lessons_table).where(
                lessons_table.c.id == lesson_id)).first()
        if row is None:
            raise LessonError("This lesson does not exist any more.")
        return _lesson(row)

    # ---- internals -------------------------------------------------------------------------
    def _copy_files(self, source: str, target: str, state: dict) -> None:
        """Give `target` the files of `source` that `state` names (the dataset, the test
        data): rows that point at the same stored content, never a second copy on disk."""
        named = {ref.get("file") for ref in (state.get("dataset"), state.get("test"))
                 if isinstance(ref, dict)} - {None}
        if not named:
            return
        with self.engine.begin() as db:
            rows = db.execute(select(files.c.sha256, files.c.name, files.c.size).where(
                files.c.workspace == source, files.c.sha256.in_(named))).all()
            for row in rows:
                db.execute(files.insert().values(workspace=target, sha256=row.sha256,
                                                 name=row.name, size=row.size,
                                                 added=time.time()))


def _lesson(row) -> Lesson:
    return Lesson(row.id, row.code, row.board, row.template, row.teacher, row.title,
                  row.instructions, LessonRules.from_dict(json.loads(row.rules)),
                  bool(row.open), row.created, json.loads(row.hidden) if row.hidden else None)


def _student(row) -> Student:
    return Student(row.id, row.lesson, row.copy, row.name, row.joined)


def _over_limits(state: dict, rules: LessonRules) -> list[str]:
    """What in a workspace's design goes over `rules`' limits, in the teacher's words; []
    when nothing does (or the design cannot be read: the students' pages say why)."""
    try:
        spec = ExperimentSpec.from_dict(state.get("spec"))
    except Exception:  # noqa: BLE001 - an unreadable design is not this check's to judge
        return []
    return [problem.message for problem in limit_problems(spec, rules.limits, fix="")]
