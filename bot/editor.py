"""The content staff's editor of the FAQ, in the console (role `editor`, and supervisors): each
topic's question and answer in both languages, a preview as the chat shows it, and "what would
the assistant answer?" on any sentence, with the current and the edited answer side by side.

Each topic's example phrasings (in nlu/data/<language>/faq.yml; those of other files, such as
the long letters, are kept as they are) are edited too.

Publishing goes through a gate (bot/publish.py): the content check first (both languages, an
answer of at most 600 characters, a source, the phrasings each topic needs); then, when the
phrasings changed, a model trained from scratch in the background and evaluated against the
held-out set beside the one serving, refused past CONTENT_ACCURACY_MARGIN points. A refused or
failed publish changes nothing and says why. Published files replace the old ones at once
(written beside them, then renamed): every worker reads the answers again within a second
(nlu.FaqContent watches the file) and serves the new model within seconds (bot/tasks.py), without
a restart. Each publish is a version (who, when, what, the gate's result and figures, the files
and the model before and after); one click puts them back as they were before a version.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import anyio
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

import nlu
from handoff.advisers import Adviser
from handoff.repository import utcnow
from handoff.templates_render import render
from rules_adapter import rules

from .editor_store import content_versions
from .publish import Gate, write

LOCALES = ("fr", "en")
FAQ = "faq.yml"  # the answers' file, among the files of a version
QUESTIONNAIRE = "questionnaire/"  # the rules, questions and texts, among the files of a version (bot/rules_editor.py)
RUNNING = ("queued", "training", "evaluating")
STALE = dt.timedelta(minutes=30)  # a publish still "running" after this was cut short by a restart


class EditorDoors(Protocol):
    """What the editor takes from the console (handoff/console.py)."""

    def signed_in_adviser(self, request: Request) -> Adviser | None: ...
    async def checked_form(self, request: Request) -> dict[str, str] | None: ...
    def forbidden(self, request: Request, reason: str) -> HTMLResponse: ...


def questionnaire_files() -> dict[str, Path]:
    """The questionnaire's files content staff may edit, by their name in the console and the
    history: the questions, the texts, each rule set (read where rules_adapter reads them)."""
    rules_dir, questions_file, texts_file = rules._paths(None, None, None)
    named = {f"{QUESTIONNAIRE}questions.yml": questions_file, f"{QUESTIONNAIRE}texts.yml": texts_file}
    named.update({f"{QUESTIONNAIRE}rules/{p.name}": p for p in sorted(rules_dir.glob("*.yml"))})
    return named


def _yaml() -> YAML:
    yaml = YAML()  # round trip: the file's comments and layout stay as content staff wrote them
    yaml.width = 100  # type: ignore[assignment]  # ruamel's attributes are typed None
    yaml.preserve_quotes = True  # type: ignore[assignment]
    return yaml


class Editor:
    def __init__(self, console: EditorDoors, engine: Engine, content: nlu.FaqContent, gate: Gate,
                 parser: Any = None):
        self.console = console
        self.engine = engine
        self.content = content
        self.gate = gate
        self.parser = parser  # nlu.Parser, for "what would the assistant answer?"

    def routes(self) -> list[Route]:
        return [
            Route("/content", self.topics),
            Route("/content/versions", self.versions),
            Route("/content/versions/{version:int}/restore", self.restore, methods=["POST"]),
            Route("/content/{topic}", self.topic, methods=["GET", "POST"]),
        ]

    def editor_of(self, request: Request) -> Adviser | None:
        adviser = self.console.signed_in_adviser(request)
        return adviser if adviser is not None and adviser.role in ("editor", "supervisor") else None

    # --- pages -----------------------------------------------------------------------------

    async def topics(self, request: Request) -> Response:
        adviser = self.editor_of(request)
        if adviser is None:
            return self.console.forbidden(request, "Réservé à l’équipe éditoriale.")
        topics = sorted(self.content.topics().values(), key=lambda t: t.label["fr"])
        return render("console_content.html", request, adviser=adviser, topics=topics)

    async def topic(self, request: Request) -> Response:
        adviser = self.editor_of(request)
        if adviser is None:
            return self.console.forbidden(request, "Réservé à l’équipe éditoriale.")
        key = request.path_params["topic"]
        current = self.content.topic(key)
        if current is None:
            return render("console_error.html", request, status_code=404, message="Sujet introuvable.")
        edited = {f"{field}_{lang}": getattr(current, field)[lang] for field in ("label", "answer") for lang in LOCALES}
        edited.update({f"examples_{lang}": "\n".join(self.examples(lang, key)) for lang in LOCALES})
        context: dict[str, Any] = {"adviser": adviser, "topic": current, "edited": edited, "problems": [],
                                   "asked": None, "latest": self.latest(key)}
        if request.method == "POST":
            form = await self.console.checked_form(request)
            if form is None:
                return self.console.forbidden(request, "Formulaire expiré : rechargez la page.")
            edited = {name: " ".join(form.get(name, "").split()) for name in edited if not name.startswith("examples")}
            for lang in LOCALES:
                lines = (" ".join(line.split()) for line in form.get(f"examples_{lang}", "").splitlines())
                edited[f"examples_{lang}"] = "\n".join(line for line in lines if line)
            context["edited"] = edited
            if form.get("action") == "publish":
                problems = await self.publish(adviser, key, edited)
                if not problems:
                    return RedirectResponse(f"/console/content/{key}", status_code=303)
                context["problems"] = problems
            elif form.get("action") == "ask" and form.get("sentence", "").strip():
                context["asked"] = await self.ask(form["sentence"][:500], key, edited)
        return render("console_content_topic.html", request, status_code=400 if context["problems"] else 200,
                      **context)

    def latest(self, key: str) -> dict[str, Any] | None:
        """The topic's last version (its status while the gate runs)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(content_versions.c.id, content_versions.c.status, content_versions.c.report,
                                      content_versions.c.at)
                               .where(content_versions.c.topic == key)
                               .order_by(content_versions.c.id.desc()).limit(1)).one_or_none()
        return {**row._mapping, "running": row.status in RUNNING and row.at > utcnow() - STALE} if row else None

    async def versions(self, request: Request) -> Response:
        adviser = self.editor_of(request)
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
        adviser = self.editor_of(request)
        if adviser is None:
            return self.console.forbidden(request, "Réservé à l’équipe éditoriale.")
        if await self.console.checked_form(request) is None:
            return self.console.forbidden(request, "Formulaire expiré : rechargez la page.")
        with self.engine.connect() as conn:
            row = conn.execute(select(content_versions).where(
                content_versions.c.id == request.path_params["version"])).one_or_none()
        if row is None or row.status != "published" or not row.before:
            return render("console_error.html", request, status_code=404, message="Version introuvable.")
        before = json.loads(row.before)
        now = {name: self._read(name) for name in before}
        for name, text in before.items():
            write(self._path(name), text)
        self.content.reload()
        if any(name.startswith(QUESTIONNAIRE) for name in before):
            rules.reload()
        model = self.gate.models_dir / row.model_before if row.model_before else None
        if model is not None and model.exists():
            os.utime(model)  # the newest again: every worker serves it within seconds
        self.record(adviser, row.topic, "restored", f"retour à l’état d’avant la version {row.id}", now, before)
        return RedirectResponse("/console/content/versions", status_code=303)

    # --- files -------------------------------------------------------------------------------

    def _path(self, name: str) -> Path:
        if name.startswith(QUESTIONNAIRE):
            return questionnaire_files()[name]
        return self.content.path if name == FAQ else self.gate.data_dir / name

    def _read(self, name: str) -> str:
        return self._path(name).read_text(encoding="utf-8")

    def examples(self, lang: str, key: str) -> list[str]:
        """The topic's example phrasings in `lang`'s main file (nlu/data/<lang>/faq.yml)."""
        data = _yaml().load(self._read(f"{lang}/faq.yml"))
        for block in data.get("nlu") or []:
            if block.get("intent") == f"{nlu.project.RETRIEVAL_INTENT}/{key}":
                return [line[2:].strip() for line in str(block.get("examples", "")).splitlines()
                        if line.startswith("- ")]
        return []

    def _rewritten(self, name: str, change: Callable[[Any], None]) -> str:
        """The file `name` with `change` applied to its YAML, comments and layout kept."""
        yaml = _yaml()
        data = yaml.load(self._read(name))
        change(data)
        out = io.StringIO()
        yaml.dump(data, out)
        return out.getvalue()

    def _with_examples(self, lang: str, key: str, lines: list[str]) -> str:
        intent = f"{nlu.project.RETRIEVAL_INTENT}/{key}"

        def change(data: Any) -> None:
            block = next((b for b in data.get("nlu") or [] if b.get("intent") == intent), None)
            if block is None:
                block = {"intent": intent}
                data["nlu"].append(block)
            block["examples"] = LiteralScalarString("".join(f"- {line}\n" for line in lines))

        return self._rewritten(f"{lang}/faq.yml", change)

    def candidate(self, key: str, edited: dict[str, str]) -> str:
        """The content file with the topic's labels and answers replaced."""

        def change(data: Any) -> None:
            node = data["topics"][key]
            for field in ("label", "answer"):
                for lang in LOCALES:
                    node[field][lang] = edited[f"{field}_{lang}"]

        return self._rewritten(FAQ, change)

    # --- the gate ----------------------------------------------------------------------------

    async def publish(self, adviser: Adviser, key: str, edited: dict[str, str]) -> list[str]:
        """Publish the edited topic through the gate (bot/publish.py); the problems of the
        content check otherwise (and nothing changed). Either way, a version says what happened.
        With phrasings changed, the training and the evaluation go on in the background. The
        files are read, checked and written in a worker thread, never on the serving loop."""
        outcome = await anyio.to_thread.run_sync(self._prepare, adviser, key, edited)
        if isinstance(outcome, list):
            return outcome
        version, staging, files = outcome
        self.gate.start(version, staging, files)
        return []

    def _running(self) -> bool:
        """A publish of phrasings under way (one at a time; one older than STALE was cut short
        by a restart and no longer counts)."""
        with self.engine.connect() as conn:
            return conn.execute(select(content_versions.c.id).where(
                content_versions.c.status.in_(RUNNING), content_versions.c.at > utcnow() - STALE)).first() is not None

    def _prepare(self, adviser: Adviser, key: str, edited: dict[str, str]) -> list[str] | tuple[int, Any, dict]:
        if self._running():
            return ["Une publication est en cours d’entraînement : attendez son résultat, puis recommencez."]
        current = self.content.topic(key)
        files: dict[str, str] = {}
        if current is None or any(edited[f"{f}_{lang}"] != getattr(current, f)[lang]
                                  for f in ("label", "answer") for lang in LOCALES):
            files[FAQ] = self.candidate(key, edited)
        for lang in LOCALES:
            lines = edited[f"examples_{lang}"].splitlines()
            if lines != self.examples(lang, key):
                files[f"{lang}/faq.yml"] = self._with_examples(lang, key, lines)
        if not files:
            return ["Rien n’a changé."]
        before = {name: self._read(name) for name in files}
        staging, problems = self.gate.stage(files)
        if problems:
            self.gate.discard(staging)
            self.record(adviser, key, "refused", "refusé : " + " ; ".join(problems), before, None)
            return problems
        if list(files) == [FAQ]:  # the answers only: nothing to retrain
            self.gate.discard(staging)
            write(self.content.path, files[FAQ])
            self.content.reload()
            self.record(adviser, key, "published", "contrôle du contenu passé", before, files)
            return []
        version = self.record(adviser, key, "queued", "en attente de l’entraînement", before, files)
        return version, staging, files

    def record(self, adviser: Adviser, topic: str, status: str, report: str, before: dict[str, str] | None,
                after: dict[str, str] | None) -> int:
        with self.engine.begin() as conn:
            return int(conn.execute(insert(content_versions).values(
                author=adviser.login, at=utcnow(), topic=topic, status=status, report=report[:4000],
                before=json.dumps(before) if before else None, after=json.dumps(after) if after else None,
            )).inserted_primary_key[0])

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
