"""Understanding free text: the Rasa project, its training and evaluation, the FAQ content, and
the one door the rest of the code uses, `parse`."""
from __future__ import annotations

import sys

# TensorFlow 2.12 depends on JAX and imports it, when it can, to convert models to TF Lite,
# which this project never does: some 80 MB resident in every process for nothing. Marked
# absent before TensorFlow loads, the optional import fails as TensorFlow allows it to.
if "tensorflow" not in sys.modules and "jax" not in sys.modules:
    sys.modules["jax"] = None  # type: ignore[assignment]

from .check import Problem, run_checks
from .content import ContentError, FaqContent, Topic
from .evaluate import cross_validate, evaluate, format_report
from .evaluate import save as save_report
from .parsing import (
    FALLBACK,
    Alternative,
    Entity,
    InProcessParser,
    NluUnavailable,
    Parse,
    Parser,
    load_parser,
    parse_sync,
    with_rules,
)
from .project import normalize
from .result import DANGER_TOPICS
from .train import current_model, latest_model, train

__all__ = [
    "Alternative", "ContentError", "DANGER_TOPICS", "Entity", "FALLBACK", "FaqContent", "InProcessParser",
    "NluUnavailable", "Parse", "Parser", "Problem", "Topic", "cross_validate", "current_model", "evaluate",
    "format_report", "latest_model", "load_parser", "normalize", "parse_sync", "run_checks", "save_report", "train",
    "with_rules",
]
