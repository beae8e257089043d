"""Understanding free text: the Rasa project, its training and evaluation, the FAQ content, and
the one door the rest of the code uses, `parse`."""
from __future__ import annotations

from .check import Problem, run_checks
from .content import ContentError, FaqContent, Topic
from .evaluate import cross_validate, evaluate, format_report
from .evaluate import save as save_report
from .parsing import FALLBACK, Alternative, Entity, NluUnavailable, Parse, Parser, load_parser, parse_sync
from .project import normalize
from .train import current_model, latest_model, train

__all__ = [
    "Alternative", "ContentError", "Entity", "FALLBACK", "FaqContent", "NluUnavailable", "Parse",
    "Parser", "Problem", "Topic", "cross_validate", "current_model", "evaluate", "format_report",
    "latest_model", "load_parser", "normalize", "parse_sync", "run_checks", "save_report", "train",
]
