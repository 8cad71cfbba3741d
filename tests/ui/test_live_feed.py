"""The live feed a watching tab's panel reads (GET /api/live/<run>): its answer, read from
the store on each backend (SQLite, PostgreSQL: tests/postgres_server.py)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from gui.core.spec.vocabulary import DONE, RUNNING, STOPPING
from gui.core.store.runs import Runs
from gui.core.store.workspaces import workspaces
from gui.ui.common import active_feed
from gui.ui.train import live_feed
from gui.ui.train.live_feed import Context
from tests.core.test_runs import IRIS, iris_spec


@pytest.fixture
def runs(store):
    return Runs(store)


def _training(runs, token, epochs=3, history=None, log=None):
    run_id = runs.create(token, iris_spec(epochs=50), IRIS)
    runs.report(run_id, status=RUNNING, started=1.0, progress=[epochs + 1, 50, 0, 8],
                history=history or {"loss": [0.9, 0.7, 0.5][:epochs],
                                    "val_loss": [1.0, 0.8, 0.6][:epochs],
                                    "accuracy": [0.5, 0.7, 0.9][:epochs]},
                log=log or [f"Epoch {i + 1}/50 - loss" for i in range(epochs)])
    return run_id


def test_the_feed_says_what_the_page_would_draw(runs):
    token = runs.store.create()
    run_id = _training(runs, token)
    live_feed.register(token, run_id, Context({"loss": "cm²"}))
    body = live_feed.snapshot(runs, token, run_id)
    assert body["state"] == [True, False, False] and body["status"] == RUNNING
    assert body["text"].startswith("Epoch 4/50 · ") and 0 < body["fraction"] < 0.1
    assert body["epochs"] == 3 and body["history"]["loss"] == [0.9, 0.7, 0.5]
    assert [t["label"] for t in body["tiles"]] == ["loss (cm²)", "validation loss (cm²)",
                                                   "accuracy"]
    assert [t["value"] for t in body["tiles"]] == ["0.5", "0.6", "0.900"]
    assert body["titles"] == {"loss": "loss", "accuracy": "accuracy"}
    assert body["log"][-1] == "Epoch 3/50 - loss" and body["log_lines"] == 3
    # Only the epochs the panel lacks travel again.
    again = live_feed.snapshot(runs, token, run_id, since=2)
    assert again["since"] == 2 and again["history"]["loss"] == [0.5]
    assert live_feed.snapshot(runs, token, run_id, since=99)["history"]["loss"] == []


def test_the_feed_follows_the_run_to_its_end(runs):
    token = runs.store.create()
    run_id = _training(runs, token, epochs=1)
    assert live_feed.snapshot(runs, token, run_id)["epochs"] == 1
    runs.report(run_id, history={"loss": [0.9, 0.4], "val_loss": [1.0, 0.5],
                                 "accuracy": [0.5, 0.8]}, progress=[3, 50, 0, 8])
    assert live_feed.snapshot(runs, token, run_id, since=1)["history"]["loss"] == [0.4]
    runs.request_stop(token, run_id)
    stopping = live_feed.snapshot(runs, token, run_id)
    assert stopping["status"] == STOPPING and stopping["text"].startswith("Stopping… ")
    runs.report(run_id, status=DONE, ended=9.0)
    assert live_feed.snapshot(runs, token, run_id)["state"] == [False, False, False]


def test_tiles_compare_with_the_chosen_run_of_the_same_workspace_only(runs):
    token, other = runs.store.create(), runs.store.create()
    before = _training(runs, token, history={"loss": [1.0, 0.9, 0.8]})
    runs.report(before, status=DONE, ended=2.0)
    theirs = _training(runs, other, history={"loss": [0.1, 0.1, 0.1]})
    run_id = _training(runs, token)
    live_feed.register(token, run_id, Context({}, compare=before, compared_name="Run 1"))
    loss = live_feed.snapshot(runs, token, run_id)["tiles"][0]
    assert loss["delta"] == "-0.3" and loss["colour"] == "inverse"
    assert "against Run 1 at the same epoch" in loss["help"]
    # Another workspace's run is neither compared with nor read through this token.
    live_feed.register(token, run_id, Context({}, compare=theirs))
    assert live_feed.snapshot(runs, token, run_id)["tiles"][0]["delta"] is None
    assert live_feed.snapshot(runs, token, theirs) is None
    assert live_feed.snapshot(runs, "no-such-token", run_id) is None


def test_watching_keeps_the_workspace_in_use_unless_the_tab_only_reads(runs, monkeypatch):
    monkeypatch.setattr(active_feed, "_touched", {})
    monkeypatch.setattr("gui.core.store.workspaces.TOUCH_EVERY_S", 0)
    token, presenter = runs.store.create(), runs.store.create()

    def seen(t):
        with runs.store.engine.connect() as db:
            return db.execute(select(workspaces.c.last_seen).where(
                workspaces.c.token == t)).scalar()

    mine, shown = _training(runs, token), _training(runs, presenter)
    with runs.store.engine.begin() as db:
        db.execute(workspaces.update().values(last_seen=0.0))
    live_feed.register(token, mine, Context({}))
    live_feed.register(presenter, shown, Context({}, alive=False))
    live_feed.snapshot(runs, token, mine)
    live_feed.snapshot(runs, presenter, shown)
    assert seen(token) > 0.0 and seen(presenter) == 0.0


def test_a_queued_run_is_said_with_its_place_in_the_queue(runs):
    token, other = runs.store.create(), runs.store.create()
    ahead = runs.create(other, iris_spec(epochs=50), IRIS)
    waiting = runs.create(token, iris_spec(epochs=50), IRIS)
    body = live_feed.snapshot(runs, token, waiting)
    assert body["state"] == [True, False, True] and body["epochs"] == 0
    assert body["text"].startswith("Waiting for a free training process (1 run ahead of yours")
    runs.report(ahead, status=DONE, ended=1.0)
    assert "(you are next)" in live_feed.snapshot(runs, token, waiting)["text"]
    assert live_feed.queued_text(0, 0, 2, 0).startswith(
        "Waiting for a free training process (the training processes are starting")


def test_a_diverging_run_is_still_answered_in_json(runs):
    """JSON has no NaN: a run whose loss became NaN is answered (as null), so the panel
    learns that it failed."""
    token = runs.store.create()
    run_id = _training(runs, token, history={"loss": [0.9, float("nan"), float("inf")]})
    body = live_feed.snapshot(runs, token, run_id)
    assert body["history"]["loss"] == [0.9, None, None]
    json.dumps(body, allow_nan=False)  # as Starlette's JSONResponse renders it


def test_a_presenter_link_reaches_its_workspaces_feed_without_the_token(runs):
    """A presenter tab's panel asks with its link (p=), never with the workspace's token:
    the link reads the feed of its own workspace only; a token that is no presenter link,
    or a workspace token passed as p=, reaches nothing."""
    from gui.core.store.links import PRESENTER, Links

    token = runs.store.create()
    link = Links(runs.store).token_for(token, PRESENTER)
    assert active_feed.workspace_of({"p": link}, runs.store) == token
    assert active_feed.workspace_of({"w": token}, runs.store) == token
    assert active_feed.workspace_of({"p": token}, runs.store) == ""  # a token is no link
    assert active_feed.workspace_of({"p": "x" + link[1:], "w": token}, runs.store) == ""
    assert active_feed.workspace_of({}, runs.store) == ""


def test_the_active_run_feed_words_the_banner(runs):
    """What a page's run watch reads (GET /api/active): the workspace's queued or training
    run at a glance, in the banner's words; none once it has ended."""
    token, other = runs.store.create(), runs.store.create()
    assert active_feed.glance_json(runs.glance(token)) == {"run": None}
    waiting = runs.create(token, iris_spec(epochs=50), IRIS)
    assert active_feed.glance_json(runs.glance(token)) == {
        "run": waiting, "bold": "Run 1", "rest": " is waiting for a free training process"}
    runs.report(waiting, status=RUNNING, started=1.0, progress=[4, 50, 0, 8])
    body = active_feed.glance_json(runs.glance(token))
    assert body["run"] == waiting and body["bold"] == "Training Run 1"
    assert body["rest"].startswith(" · epoch 4/50 · "), body
    assert active_feed.glance_json(runs.glance(other)) == {"run": None}  # not another's
    runs.report(waiting, status=DONE, ended=2.0)
    assert active_feed.glance_json(runs.glance(token)) == {"run": None}
