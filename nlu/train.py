"""Training: `assistant nlu train` and the first start of `assistant serve`."""
from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

from . import project

log = logging.getLogger(__name__)
MODEL_PREFIX = "nlu-"


def model_name(fp: str) -> str:
    return f"{MODEL_PREFIX}{fp}"


def latest_model(models_dir: Path) -> Path | None:
    """The newest model archive: the one served (Rasa's convention)."""
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def current_model(models_dir: Path, data_dir: Path | None = None) -> Path | None:
    """The model trained from the data and config as they are now, if there is one."""
    path = models_dir / f"{model_name(project.fingerprint(data_dir))}.tar.gz"
    return path if path.exists() else None


def train(models_dir: Path, *, force: bool = False, data_dir: Path | None = None) -> tuple[Path, bool]:
    """Train into `models_dir` (from `data_dir`, nlu/data by default) unless a model of the
    current data and config exists.

    Returns the model path and whether it was trained now.
    """
    import rasa.model_training  # Rasa's import (and TensorFlow's) takes seconds: only when training

    models_dir.mkdir(parents=True, exist_ok=True)
    fp = project.fingerprint(data_dir)
    existing = current_model(models_dir, data_dir)
    if existing is not None and not force:
        existing.touch()  # the newest archive is the one served
        return existing, False
    with tempfile.TemporaryDirectory(prefix="nlu-build-") as tmp:
        config, data, domain = project.build(Path(tmp), data_dir)
        started = time.monotonic()
        result = rasa.model_training.train_nlu(
            config=str(config), nlu_data=str(data), output=str(models_dir),
            fixed_model_name=model_name(fp), domain=str(domain),
        )
        log.info("nlu model trained in %.0f s", time.monotonic() - started)
    if result is None:
        raise RuntimeError("Rasa produced no model: see its messages above")
    return Path(result), True

