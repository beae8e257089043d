"""The web application: health check now; the chat page and the REST webhook plug in here."""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import nlu
import rules_adapter

from .config import Settings, load_settings

log = logging.getLogger(__name__)


class Services:
    """What the running assistant holds: the NLU door and the FAQ content."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.parser: nlu.Parser | None = None
        self.content = nlu.FaqContent()

    def prepare_nlu(self) -> nlu.Parser:
        """Train on first start when there is no model, then load it (or use RASA_URL)."""
        if not self.settings.rasa_url and nlu.latest_model(self.settings.models_dir) is None:
            log.warning("no NLU model in %s: training one now (a few minutes, once)", self.settings.models_dir)
            nlu.train(self.settings.models_dir)
        return nlu.load_parser(self.settings.models_dir, self.settings.rasa_url)


async def health(request: Request) -> JSONResponse:
    services: Services = request.app.state.services
    if services.parser is None:
        return JSONResponse({"status": "starting"}, status_code=503)
    rules = rules_adapter.rules_for(dt.date.today())
    return JSONResponse({"status": "ok", "rules_version": rules.version})


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or load_settings()
    services = Services(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGHUP, services.content.reload)
        services.parser = await loop.run_in_executor(None, services.prepare_nlu)
        yield
        await services.parser.close()

    app = Starlette(routes=[Route("/health", health)], lifespan=lifespan)
    app.state.services = services
    return app
