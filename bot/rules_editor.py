"""Content staff's editor of the questionnaire and the rules, in the console: the questions'
texts (`questions.yml`), the outcome and criteria texts (`texts.yml`) and each rule set
(`rules/<date>.yml`), as the YAML they are kept in, behind the same gate as the FAQ: the files'
own checks, then every persona of tests/rules_adapter/scenarios.yml assessed under the edited
files (`assistant content scenarios`, in its own process). A refused change changes nothing and
says which persona or key fails. A published file replaces the old one at once; every worker
reads the rules again within seconds (bot/tasks.py), without a restart; each publish is a
version of the FAQ editor's history, with its one-click return."""
from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from handoff.templates_render import render
from rules_adapter import rules

from .editor import QUESTIONNAIRE, Editor, questionnaire_files
from .publish import ASSISTANT, write


class RulesPages:
    def __init__(self, editor: Editor):
        self.editor = editor

    def routes(self) -> list[Route]:
        return [Route("/content/rules", self.index),
                Route("/content/rules/{name:path}", self.file, methods=["GET", "POST"])]

    async def index(self, request: Request) -> Response:
        adviser = self.editor.editor_of(request)
        if adviser is None:
            return self.editor.console.forbidden(request, "Réservé à l’équipe éditoriale.")
        return render("console_rules.html", request, adviser=adviser,
                      names=[name.removeprefix(QUESTIONNAIRE) for name in questionnaire_files()])

    async def file(self, request: Request) -> Response:
        adviser = self.editor.editor_of(request)
        if adviser is None:
            return self.editor.console.forbidden(request, "Réservé à l’équipe éditoriale.")
        name = QUESTIONNAIRE + request.path_params["name"]
        path = questionnaire_files().get(name)
        if path is None:
            return render("console_error.html", request, status_code=404, message="Fichier introuvable.")
        text, problems, published = path.read_text(encoding="utf-8"), [], False
        if request.method == "POST":
            form = await self.editor.console.checked_form(request)
            if form is None:
                return self.editor.console.forbidden(request, "Formulaire expiré : rechargez la page.")
            edited = form.get("text", "").replace("\r\n", "\n")
            if edited != text:
                problems = await self.publish(adviser, name, text, edited)
                if not problems:
                    return RedirectResponse(f"/console/content/rules/{request.path_params['name']}?published=1",
                                            status_code=303)
                text = edited
        published = request.query_params.get("published") == "1"
        return render("console_rules_file.html", request, status_code=400 if problems else 200, adviser=adviser,
                      file=name.removeprefix(QUESTIONNAIRE), text=text, problems=problems, published=published)

    async def publish(self, adviser: Any, name: str, before: str, after: str) -> list[str]:
        """The files' checks and the personas under the edited file; published if none fails."""
        live = questionnaire_files()
        with tempfile.TemporaryDirectory(prefix="rules-") as tmp:
            staging = Path(tmp)
            (staging / "rules").mkdir()
            for key, path in live.items():
                target = staging / key.removeprefix(QUESTIONNAIRE)
                shutil.copy(path, target)
            (staging / name.removeprefix(QUESTIONNAIRE)).write_text(after, encoding="utf-8")
            process = await asyncio.create_subprocess_exec(
                str(ASSISTANT), "content", "scenarios", "--rules", str(staging / "rules"),
                "--questions", str(staging / "questions.yml"), "--texts", str(staging / "texts.yml"),
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            out, _ = await process.communicate()
        if process.returncode != 0:
            problems = [line for line in out.decode(errors="replace").splitlines() if line.strip()] or [
                "la vérification n’a pas pu se faire"]
            self.editor.record(adviser, name, "refused", "refusé : " + " ; ".join(problems), {name: before}, None)
            return problems
        write(live[name], after)
        rules.reload()  # this worker at once; the others within seconds (bot/tasks.py)
        self.editor.record(adviser, name, "published", "contrôles et personas passés", {name: before},
                           {name: after})
        return []
