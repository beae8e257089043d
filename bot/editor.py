"""The content staff's editor of the FAQ, in the console (role `editor`, and supervisors): each
topic's question and answer in both languages, a preview as the chat shows it, and "what would
the assistant answer?" on any sentence, with the current and the edited answer side by side.

Publishing goes through a gate: the edited file must pass the content check (both languages,
an answer of at most 600 characters, a source, the training phrasings each topic needs); a
refused publish changes nothing and says why. A published file replaces the old one at once
(written beside it, then renamed): every worker reads it again within a second (nlu.FaqContent
watches the file), without a restart. Each publish is a version (who, when, what, the check's
result, the file before and after); one click puts the file back as it was before a version.

What is edited here are the answers and their labels: the NLU is unchanged. Phrasings (which
need a retrain and an evaluation before publishing) are not yet editable here.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

from ruamel.yaml import YAML
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, insert, select
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

import nlu
from handoff.advisers import Adviser
from handoff.templates_render import render

LOCALES = ("fr", "en")
_metadata = MetaData()
content_versions = Table(
    "content_versions", _metadata,
    Column("id", Integer, primary_key=True),
    Column("author", String(64), nullable=False),  # the editor's login
    Column("at", DateTime, nullable=False),
    Column("topic", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # published | refused | restored
    Column("report", Text, nullable=False),  # the check's result, in words
    Column("before", Text),  # the file before (published versions), to come back to
    Column("after", Text),
)


class EditorDoors(Protocol):
    """What the editor takes from the console (handoff/console.py)."""

    def signed_in_adviser(self, request: Request) -> Adviser | None: ...
    async def checked_form(self, request: Request) -> dict[str, str] | None: ...
    def forbidden(self, request: Request, reason: str) -> HTMLResponse: ...


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _yaml() -> YAML:
    yaml = YAML()  # round trip: the file's comments and layout stay as content staff wrote them
    yaml.width = 100  # type: ignore[assignment]  # ruamel's attributes are typed None
    yaml.preserve_quotes = True  # type: ignore[assignment]
    return yaml


class Editor:
    def __init__(self, console: EditorDoors, engine: Engine, content: nlu.FaqContent, parser: Any = None):
        self.console = console
        self.engine = engine
        self.content = content
        self.parser = parser  # nlu.Parser, for "what would the assistant answer?"

    def routes(self) -> list[Route]:
        return [
            Route("/content", self.topics),
            Route("/content/versions", self.versions),
            Route("/content/versions/{version:int}/restore", self.restore, methods=["POST"]),
            Route("/content/{topic}", self.topic, methods=["GET", "POST"]),
        ]

    def _editor(self, request: Request) -> Adviser | None:
        adviser = self.console.signed_in_adviser(request)
        return adviser if adviser is not None and adviser.role in ("editor", "supervisor") else None

    # --- pages -----------------------------------------------------------------------------

    async def topics(self, request: Request) -> Response:
        adviser = self._editor(request)
        if adviser is None:
            return self.console.forbidden(request, "Réservé à l’équipe éditoriale.")
        topics = sorted(self.content.topics().values(), key=lambda t: t.label["fr"])
        return render("console_content.html", request, adviser=adviser, topics=topics)

    async def topic(self, request: Request) -> Response:
        adviser = self._editor(request)
        if adviser is None:
            return self.console.forbidden(request, "Réservé à l’équipe éditoriale.")
        key = request.path_params["topic"]
        current = self.content.topic(key)
        if current is None:
            return render("console_error.html", request, status_code=404, message="Sujet introuvable.")
        edited = {f"{field}_{lang}": getattr(current, field)[lang] for field in ("label", "answer") for lang in LOCALES}
        context: dict[str, Any] = {"adviser": adviser, "topic": current, "edited": edited, "problems": [],
                                   "asked": None, "published": request.query_params.get("published") == "1"}
        if request.method == "POST":
            form = await self.console.checked_form(request)
            if form is None:
                return self.console.forbidden(request, "Formulaire expiré : rechargez la page.")
            edited = {name: " ".join(form.get(name, "").split()) for name in edited}
            context["edited"] = edited
            if form.get("action") == "publish":
                problems = self.publish(adviser, key, edited)
                if not problems:
                    return RedirectResponse(f"/console/content/{key}?published=1", status_code=303)
                context["problems"] = problems
            elif form.get("action") == "ask" and form.get("sentence", "").strip():
                context["asked"] = await self.ask(form["sentence"][:500], key, edited)
        return render("console_content_topic.html", request, status_code=400 if context["problems"] else 200,
                      **context)

    async def versions(self, request: Request) -> Response:
        adviser = self._editor(request)
        if adviser is None:
            return self.console.forbidden(request, "Réservé à l’équipe éditoriale.")
        with self.engine.connect() as conn:
            rows = conn.execute(select(content_versions.c.id, content_versions.c.author, content_versions.c.at,
                                       content_versions.c.topic, content_versions.c.status,
                                       content_versions.c.report)
                                .order_by(content_versions.c.id.desc()).limit(100)).all()
        versions = [{**row._mapping, "topic": self.content.label(row.topic, "fr") or row.topic} for row in rows]
        return render("console_content_versions.html", request, adviser=adviser, versions=versions)

    async def restore(self, request: Request) -> Response:
        adviser = self._editor(request)
        if adviser is None:
            return self.console.forbidden(request, "Réservé à l’équipe éditoriale.")
        if await self.console.checked_form(request) is None:
            return self.console.forbidden(request, "Formulaire expiré : rechargez la page.")
        with self.engine.connect() as conn:
            row = conn.execute(select(content_versions).where(
                content_versions.c.id == request.path_params["version"])).one_or_none()
        if row is None or row.status != "published" or not row.before:
            return render("console_error.html", request, status_code=404, message="Version introuvable.")
        self._write(row.before)
        self._record(adviser, row.topic, "restored", f"retour à l’état d’avant la version {row.id}",
                     self._text(), row.before)
        return RedirectResponse("/console/content/versions", status_code=303)

    # --- the gate ----------------------------------------------------------------------------

    def _text(self) -> str:
        return self.content.path.read_text(encoding="utf-8")

    def candidate(self, key: str, edited: dict[str, str]) -> str:
        """The content file with the topic's labels and answers replaced."""
        yaml = _yaml()
        data = yaml.load(self._text())
        node = data["topics"][key]
        for field in ("label", "answer"):
            for lang in LOCALES:
                node[field][lang] = edited[f"{field}_{lang}"]
        out = io.StringIO()
        yaml.dump(data, out)
        return out.getvalue()

    def publish(self, adviser: Adviser, key: str, edited: dict[str, str]) -> list[str]:
        """Publish the edited topic if the content check passes; the problems otherwise (and
        nothing changed). Either way, a version says what happened."""
        before = self._text()
        after = self.candidate(key, edited)
        folder = self.content.path.parent
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".yml", dir=folder, delete=False) as tmp:
            tmp.write(after)
        try:
            problems = [p.message for p in nlu.run_checks(content_file=Path(tmp.name), with_rasa=False)]
            if problems:
                self._record(adviser, key, "refused", "refusé : " + " ; ".join(problems), before, None)
                return problems
            os.replace(tmp.name, self.content.path)  # atomic: a worker reads the old file or the new one
        finally:
            if os.path.exists(tmp.name):
                os.unlink(tmp.name)
        self.content.reload()
        self._record(adviser, key, "published", "contrôle du contenu passé", before, after)
        return []

    def _write(self, text: str) -> None:
        folder = self.content.path.parent
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".yml", dir=folder, delete=False) as tmp:
            tmp.write(text)
        os.replace(tmp.name, self.content.path)
        self.content.reload()

    def _record(self, adviser: Adviser, topic: str, status: str, report: str, before: str | None,
                after: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(content_versions).values(author=adviser.login, at=_utcnow(), topic=topic,
                                                         status=status, report=report[:4000], before=before,
                                                         after=after))

    async def ask(self, sentence: str, key: str, edited: dict[str, str]) -> dict[str, Any]:
        """What the assistant would answer `sentence` with the current content, and with the
        edit (the topic being edited shows its edited answer)."""
        if self.parser is None:
            return {"sentence": sentence, "topic": None, "current": None, "edited": None}
        parse = await self.parser.parse(sentence, "fr")
        topic = parse.faq_topic
        current = self.content.answer(topic, "fr") if topic else None
        return {"sentence": sentence, "topic": self.content.label(topic, "fr") if topic else None,
                "current": current, "edited": edited["answer_fr"] if topic == key else current}
