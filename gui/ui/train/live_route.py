"""The live feed's route, for st.App (app.py). Nothing heavy is imported until a tab asks,
so that the server starts as fast as a plain Streamlit script."""

PATH = "/api/live/{run_id:int}"  # ?w=<token> (or p=<presenter link>)&since=<epochs it has>


async def answer(request):
    from gui.ui.train import live_feed  # noqa: PLC0415

    return await live_feed.answer(request)


def routes() -> list:
    """The server's own routes beside Streamlit's."""
    from starlette.routing import Route  # noqa: PLC0415

    return [Route(PATH, answer, methods=["GET"])]


def url(run_id: int) -> str:
    """The feed of run `run_id`, relative to the page (the app may sit under a path)."""
    return PATH.replace("{run_id:int}", str(run_id)).lstrip("/")
