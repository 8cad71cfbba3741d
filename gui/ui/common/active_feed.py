"""The active-run feed: what a page's run watch (run_banner) fetches instead of rerunning,
`GET /api/active?w=<token>` (`?p=<presenter link>` from a presenter tab): the workspace's
queued or training run at a glance, one short row, or none. A page that shows no run looks
every few seconds for one started elsewhere; a page that shows the banner updates its words
each second; either redraws once the answer names another run. A rerun every 2 s cost an
idle tab ~3-5% of a core in its browser and ~1% in the server (six idle Train tabs: 17-28%
of chromium's, 6% of the server's, on this 2-core machine); a fetch costs next to nothing.
"""

from __future__ import annotations

import time

PATH = "/api/active"  # ?w=<token> (or p=<presenter link>)[&alive=1]
ALIVE = "alive"  # the query parameter of a tab that may write
KEEP_ALIVE_EVERY_S = 10.0  # a watched workspace is noted in use this often
_touched: dict[str, float] = {}


def glance_json(glance) -> dict:
    """The feed's answer for a workspace whose active run is `glance` (a RunGlance, or None):
    {"run": its id, or None; the banner's words: "bold", then "rest"}."""
    from gui.core.spec.vocabulary import QUEUED  # noqa: PLC0415 (the server starts light)

    if glance is None:
        return {"run": None}
    if glance.status == QUEUED:
        return {"run": glance.id, "bold": glance.name,
                "rest": " is waiting for a free training process"}
    return {"run": glance.id, "bold": f"Training {glance.name}",
            "rest": f" · {glance.progress.text(glance.elapsed)}"}


def note_in_use(store, token: str) -> None:
    """A watching tab that may write keeps its workspace in use (runs of workspaces with no
    open page are stopped): written at most every KEEP_ALIVE_EVERY_S."""
    now = time.monotonic()
    if now - _touched.get(token, 0.0) >= KEEP_ALIVE_EVERY_S:
        _touched[token] = now
        store.touch(token)


def workspace_of(params, store) -> str:
    """The workspace a feed request may read: its own token (`w=`), or a presenter link's
    workspace (`p=`: a presenter tab never learns the token); "" for neither."""
    link = params.get("p")
    if not link:
        return params.get("w", "")
    from gui.core.store.links import PRESENTER, Links  # noqa: PLC0415

    found = Links(store).resolve(link)
    return found.workspace if found is not None and found.role == PRESENTER else ""


async def answer(request):
    """GET PATH: the glance as JSON, never cached; `alive=1` from a tab
    that may write (not a presenter link) keeps the workspace in use while a run trains."""
    from starlette.concurrency import run_in_threadpool  # noqa: PLC0415
    from starlette.responses import JSONResponse  # noqa: PLC0415

    from gui.core.store.workspaces import StoreError  # noqa: PLC0415
    from gui.ui.session import run_state  # noqa: PLC0415 (Streamlit's cached store)

    params = request.query_params

    def answer_now():
        runs = run_state.shared_runs()
        token = workspace_of(params, runs.store)
        if not token:
            return None
        try:
            body = glance_json(runs.glance(token))
        except StoreError:
            return None
        if body["run"] is not None and params.get(ALIVE) == "1" and not params.get("p"):
            note_in_use(runs.store, token)
        return body

    body = await run_in_threadpool(answer_now)
    headers = {"Cache-Control": "no-store"}
    if body is None:
        return JSONResponse({"gone": True}, status_code=404, headers=headers)
    return JSONResponse(body, headers=headers)
