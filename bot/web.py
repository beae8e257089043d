"""The web app: the routes (bot/routes.py), the middleware (bot/middleware.py) and the background
tasks (bot/tasks.py) around the deployment the composition root builds (bot/bootstrap.py)."""
from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

import nlu

from . import routes, tasks
from .bootstrap import Deployment
from .config import Settings, load_settings
from .middleware import MAX_BODY, BodySizeLimit, SecurityHeaders

__all__ = ["MAX_BODY", "create_app"]


def create_app(settings: Settings | None = None, parser: nlu.Parser | None = None,
               follow_models: bool = False) -> Starlette:
    settings = settings or load_settings()
    deployment = Deployment(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(tasks.log_loop_exception)
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
            loop.add_signal_handler(signal.SIGHUP, deployment.reload_content)
        deployment.loop = loop
        deployment.ready(parser if parser is not None else await loop.run_in_executor(None, deployment.prepare_nlu))
        if parser is None:
            # The model and the libraries are some 600 000 long-lived objects: taken out of the
            # garbage collector's sight, its full passes no longer walk them every few batches
            # (about 15 % of the CPU time of a parse).
            gc.collect()
            gc.freeze()
            tasks.release_free_memory()
        for channel in deployment.channels:
            await channel.start()
        dispatching = asyncio.create_task(tasks.dispatch_forever(deployment))
        purging = asyncio.create_task(tasks.purge_daily(deployment))
        counting = asyncio.create_task(tasks.count_misunderstandings(deployment))
        # A parser given by the caller (tests share one) is left alone unless asked.
        following = asyncio.create_task(tasks.follow_models(deployment)) if parser is None or follow_models else None
        try:
            yield
        finally:
            dispatching.cancel()
            purging.cancel()
            counting.cancel()
            if following is not None:
                following.cancel()
            with contextlib.suppress(Exception):
                deployment.understanding.flush()
            for channel in deployment.channels:
                await channel.stop()
            if parser is None and deployment.parser is not None:
                await deployment.parser.close()

    app = Starlette(
        routes=[
            Route("/", routes.chat_page),
            Route("/suivi", routes.follow_page),
            Route("/chat/events", routes.chat_events, methods=["POST"]),
            Route("/confidentialite", routes.privacy_page),
            Route("/health", routes.health),
            Route("/metrics", routes.metrics_page),
            Route("/webhooks/rest/webhook", routes.rest_webhook, methods=["POST"]),
            Route("/webhooks/telegram", routes.telegram_webhook, methods=["POST"]),
            Mount("/console", app=deployment.console.app),
            Mount("/static", StaticFiles(directory=routes.HERE / "static"), name="static"),
        ],
        middleware=[
            Middleware(SecurityHeaders, https=settings.public_url.startswith("https://")),
            Middleware(BodySizeLimit, limit=MAX_BODY),
        ],
        lifespan=lifespan,
    )
    app.state.deployment = deployment
    return app
