"""`assistant content check`: Rasa's own data validation plus the checks content staff need,
each problem reported as `file:line: message`."""
from __future__ import annotations

import re
import tempfile
import warnings
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import project
from .content import LOCALES, NEXT_STEPS

MIN_EXAMPLES = {"fr": 12, "en": 5}
MAX_ANSWER = 600
MAX_LABEL = 60

_INTENT_LINE = re.compile(r"^-\s+intent:\s*(\S+)")
_EXAMPLE_LINE = re.compile(r"^\s+-\s+(.*\S)\s*$")
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        try:
            where = self.path.relative_to(Path.cwd())
        except ValueError:
            where = self.path
        return f"{where}:{self.line}: {self.message}"


def _examples(path: Path) -> list[tuple[str, int, str]]:
    """(intent, line, plain text) of each example of a Rasa NLU file, entity marks removed."""
    found = []
    intent = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _INTENT_LINE.match(line)
        if match:
            intent = match.group(1)
            continue
        if line.startswith("- "):  # another block: synonym, lookup, regex
            intent = None
            continue
        if intent is not None:
            example = _EXAMPLE_LINE.match(line)
            if example:
                found.append((intent, number, _ANNOTATION.sub(r"\1", example.group(1))))
    return found


def _language(path: Path) -> str:
    """Training files live in one folder per language: data/fr/, data/en/."""
    return path.parent.name if path.parent.name in LOCALES else "fr"


def _line_marks(path: Path) -> dict[tuple[str, ...], int]:
    """1-based line of each mapping key path in a YAML file."""
    marks: dict[tuple[str, ...], int] = {}

    def walk(node, prefix):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                keypath = prefix + (key.value,)
                marks[keypath] = key.start_mark.line + 1
                walk(value, keypath)

    walk(yaml.compose(path.read_text(encoding="utf-8")), ())
    return marks


def check_training_data(files: list[Path]) -> tuple[list[Problem], dict[str, dict[str, int]]]:
    problems: list[Problem] = []
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    first_seen: dict[str, tuple[str, Path, int]] = {}
    for path in files:
        lang = _language(path)
        for intent, line, text in _examples(path):
            counts[intent][lang] += 1
            key = project.normalize(text)
            if key in first_seen and first_seen[key][0] != intent:
                other_intent, other_path, other_line = first_seen[key]
                problems.append(Problem(path, line, f"example {text!r} is under {intent} and also under "
                                                    f"{other_intent} ({other_path.name}:{other_line})"))
            elif key in first_seen and first_seen[key][1] == path:
                problems.append(Problem(path, line, f"example {text!r} appears twice under {intent}"))
            else:
                first_seen[key] = (intent, path, line)
    return problems, counts


def check_content(
    content_file: Path, counts: dict[str, dict[str, int]], data_file_of: dict[str, Path]
) -> list[Problem]:
    problems: list[Problem] = []
    try:
        data = yaml.safe_load(content_file.read_text(encoding="utf-8"))
        marks = _line_marks(content_file)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return [Problem(content_file, mark.line + 1 if mark else 1, f"not valid YAML: {exc}")]
    topics = (data or {}).get("topics") or {}
    if not topics:
        return [Problem(content_file, 1, "no `topics:` found")]
    for key, node in topics.items():
        line = marks.get(("topics", key), 1)
        node = node or {}
        if not isinstance(node, dict):
            problems.append(Problem(content_file, line, f"topic {key}: expected a mapping"))
            continue
        for lang in LOCALES:
            answer = ((node.get("answer") or {}).get(lang) or "").strip()
            where = marks.get(("topics", key, "answer", lang), line)
            if not answer:
                problems.append(Problem(content_file, where, f"topic {key}: no {lang} answer"))
            elif len(" ".join(answer.split())) > MAX_ANSWER:
                problems.append(
                    Problem(
                        content_file,
                        where,
                        f"topic {key}: {lang} answer is "
                        f"{len(' '.join(answer.split()))} characters, at most {MAX_ANSWER}",
                    )
                )
            label = ((node.get("label") or {}).get(lang) or "").strip()
            if not label:
                problems.append(Problem(content_file, line, f"topic {key}: no {lang} label"))
            elif len(label) > MAX_LABEL:
                problems.append(
                    Problem(
                        content_file,
                        marks.get(("topics", key, "label", lang), line),
                        f"topic {key}: {lang} label longer than {MAX_LABEL} characters",
                    )
                )
        sources = node.get("sources") or ([node["source"]] if node.get("source") else [])
        if not sources or not all(isinstance(s, dict) and s.get("document") and s.get("section") for s in sources):
            problems.append(
                Problem(content_file, line, f"topic {key}: every answer needs a source (document and section)")
            )
        if node.get("next_step", "none") not in NEXT_STEPS:
            problems.append(
                Problem(content_file, line, f"topic {key}: next_step must be one of {', '.join(NEXT_STEPS)}")
            )
        intent = f"{project.RETRIEVAL_INTENT}/{key}"
        for lang, minimum in MIN_EXAMPLES.items():
            n = counts.get(intent, {}).get(lang, 0)
            if n < minimum:
                problems.append(
                    Problem(
                        data_file_of.get(intent, content_file),
                        line if intent not in data_file_of else 1,
                        f"topic {key}: {n} {lang} training examples, at least {minimum} needed",
                    )
                )
    for intent in counts:
        if intent.startswith(project.RETRIEVAL_INTENT + "/") and intent.split("/", 1)[1] not in topics:
            problems.append(
                Problem(
                    data_file_of.get(intent, content_file),
                    1,
                    f"{intent} has training examples but no answer in {content_file.name}",
                )
            )
    return problems


def rasa_validate() -> list[Problem]:
    """What `rasa data validate` checks for an NLU-only project, on the built project: the
    domain is valid, domain and data agree on intents, no example under two intents."""
    # Rasa's import (and TensorFlow's) takes seconds: only when the content is checked.
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.validator import Validator

    problems: list[Problem] = []
    with tempfile.TemporaryDirectory(prefix="nlu-check-") as tmp:
        config, data, domain = project.build(Path(tmp))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            importer = TrainingDataImporter.load_from_config(str(config), str(domain), [str(data)])
            validator = Validator.from_importer(importer)
            ok = all(
                [
                    validator.verify_domain_validity(),
                    validator.verify_intents(ignore_warnings=False),
                    validator.verify_example_repetition_in_intents(ignore_warnings=False),
                ]
            )
        for w in caught:
            if issubclass(w.category, UserWarning):
                problems.append(Problem(project.DATA_DIR, 0, f"rasa: {w.message}"))
    if not ok and not problems:
        problems.append(Problem(project.DATA_DIR, 0, "rasa data validation failed"))
    return problems


def run_checks(content_file: Path | None = None, data_dir: Path | None = None, with_rasa: bool = True) -> list[Problem]:
    content_file = content_file or project.CONTENT_FILE
    files = project.data_files(data_dir)
    problems, counts = check_training_data(files)
    data_file_of: dict[str, Path] = {}
    for path in files:
        for intent, _, _ in _examples(path):
            data_file_of.setdefault(intent, path)
    problems += check_content(content_file, counts, data_file_of)
    if with_rasa:
        problems += rasa_validate()
    return problems
