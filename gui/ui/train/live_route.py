"""The live feed's routes, for st.App (app.py). Nothing heavy is imported until a tab asks,
so that the server starts as fast as a plain Streamlit script."""

PATH = "/api/live/{run_id:int}"  # ?w=<token> (or p=<presenter link>)&since=<epochs it has>


async def answer(request):
    from gui.ui.train import live_feed  # noqa: PLC0415

    return await live_feed.answer(request)


async def answer_active(request):
    from gui.ui.common import active_feed  # noqa: PLC0415

    return await active_feed.answer(request)


def routes() -> list:
    """The server's own routes beside Streamlit's: the live feed and the active-run feed."""
    from starlette.routing import Route  # noqa: PLC0415

    from gui.ui.common import active_feed  # noqa: PLC0415 (light: no store, no Keras)

    return [Route(PATH, answer, methods=["GET"]),
            Route(active_feed.PATH, answer_active, methods=["GET"])]


def url(run_id: int) -> str:
    """The feed of run `run_id`, relative to the page (the app may sit under a path)."""
    return PATH.replace("{run_id:int}", str(run_id)).lstrip("/")
