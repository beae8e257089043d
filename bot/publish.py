"""Publishing content staff's edits (bot/editor.py), the files and the model together.

An edit of answers only needs no retraining: it is checked and published at once. An edit of
the training phrasings goes through the regression gate, in the background:

1. the content check on the edited files, in a staging folder (a topic left without the
   phrasings it needs is refused here);
2. a model trained from them, from scratch, in its own process (`assistant nlu train`);
3. the held-out evaluation of that model and of the one serving (`assistant nlu evaluate
   --json`, each in its own process): refused if either language falls by more than
   CONTENT_ACCURACY_MARGIN points;
4. publish: the files replace the old ones (each written beside it, then renamed) and the model
   joins the models folder as its newest, which every worker then serves (bot/tasks.py
   follow_models) without a restart.

Whatever fails or is refused leaves the files and the model serving as they were. Each step is
written to the version's row, which the editor's page shows while it runs.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.engine import Engine

import nlu

from .editor_store import content_versions

log = logging.getLogger(__name__)
ASSISTANT = Path(sys.executable).parent / "assistant"


def write(path: Path, text: str) -> None:
    """Replace a file at once: a reader sees the old text or the new one, never half."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=path.suffix, dir=path.parent,
                                     delete=False) as tmp:
        tmp.write(text)
    os.replace(tmp.name, path)


class Gate:
    def __init__(self, engine: Engine, content_file: Path, data_dir: Path, models_dir: Path, work_dir: Path,
                 margin: float):
        self.engine = engine
        self.content_file = content_file
        self.data_dir = data_dir
        self.models_dir = models_dir
        self.work_dir = work_dir
        self.margin = margin  # accuracy points a language may lose
        self.tasks: set[asyncio.Task] = set()

    def stage(self, files: dict[str, str]) -> tuple[Path, list[str]]:
        """A copy of the data folder and the content file with `files` (paths relative to the data
        folder, or "faq.yml") replaced; the content check's problems on it."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="staging-", dir=self.work_dir))
        shutil.copytree(self.data_dir, staging / "data")
        shutil.copy(self.content_file, staging / "faq.yml")
        for name, text in files.items():
            (staging / ("faq.yml" if name == "faq.yml" else Path("data") / name)).write_text(text, encoding="utf-8")
        problems = [p.message for p in nlu.run_checks(content_file=staging / "faq.yml", data_dir=staging / "data",
                                                       with_rasa=False)]
        return staging, problems

    @staticmethod
    def discard(staging: Path) -> None:
        shutil.rmtree(staging, ignore_errors=True)

    def start(self, version: int, staging: Path, files: dict[str, str]) -> None:
        task = asyncio.get_running_loop().create_task(self.run(version, staging, files))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _status(self, version: int, status: str, report: str, **values: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(content_versions).where(content_versions.c.id == version)
                         .values(status=status, report=report[:4000], **values))

    async def _run(self, *args: str) -> str:
        process = await asyncio.create_subprocess_exec(
            str(ASSISTANT), *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await process.communicate()
        if process.returncode != 0:
            last = (err.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
            raise RuntimeError(f"`assistant {args[0]} {args[1]}` failed: {last[:300]}")
        return out.decode()

    async def _accuracy(self, model: Path) -> dict[str, float]:
        printed = await self._run("nlu", "evaluate", "--model", str(model), "--json")
        figures = json.loads(printed.strip().splitlines()[-1])
        return {language: float(f["accuracy"]) for language, f in figures.items()}

    async def run(self, version: int, staging: Path, files: dict[str, str]) -> None:
        try:
            serving = nlu.latest_model(self.models_dir)
            self._status(version, "training", "entraînement d’un modèle avec les phrases modifiées…",
                         model_before=serving.name if serving else None)
            built = staging / "models"
            await self._run("nlu", "train", "--force", "--data", str(staging / "data"), "--models", str(built))
            candidate = nlu.latest_model(built)
            if candidate is None:
                raise RuntimeError("the training wrote no model")
            self._status(version, "evaluating", "évaluation sur les phrases de test…")
            after = await self._accuracy(candidate)
            before = await self._accuracy(serving) if serving else {}
            figures = " ; ".join(f"{lang} {before.get(lang, 0) * 100:.1f} % → {after[lang] * 100:.1f} %"
                                 for lang in sorted(after))
            fallen = [lang for lang in after if lang in before and (before[lang] - after[lang]) * 100 > self.margin]
            if fallen:
                self._status(version, "refused", f"refusé : la compréhension baisse de plus de {self.margin:g} point(s)"
                             f" ({figures}) ; rien n’a changé")
                return
            for name, text in files.items():
                write(self.content_file if name == "faq.yml" else self.data_dir / name, text)
            self.models_dir.mkdir(parents=True, exist_ok=True)
            published = self.models_dir / candidate.name
            shutil.move(str(candidate), published)
            os.utime(published)  # the newest: every worker serves it within seconds
            self._status(version, "published", f"publiée après évaluation ({figures})", model_after=published.name)
        except Exception as exc:
            log.error("publish failed: %s", type(exc).__name__)
            self._status(version, "failed", f"échec, rien n’a changé : {exc}"[:4000])
        finally:
            shutil.rmtree(staging, ignore_errors=True)
