"""The Rasa project as content staff keep it (config, data per language, FAQ answers) and the
build that turns it into what Rasa trains on.

The build folds accents and case in every training example (and `normalize` does the same to
each message before parsing), and generates the domain: intents, entities, and one response per
FAQ topic whose text is only the topic key, so the model never depends on the answers' wording.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

NLU_DIR = Path(__file__).resolve().parent
CONFIG_FILE = NLU_DIR / "config.yml"
DATA_DIR = NLU_DIR / "data"
CONTENT_FILE = NLU_DIR / "content" / "faq.yml"
# Our own graph components (named in config.yml): their code shapes the model as the config does.
COMPONENTS_FILE = NLU_DIR / "components.py"
RETRIEVAL_INTENT = "faq"
# What Rasa trains on: each FAQ topic is an intent of its own, `faq__<topic>` (an intent's name
# cannot hold "/"), so one classifier ranks the topics and the conversation intents together.
# Content staff still write `faq/<topic>`; the build renames and parsing renames back.
TOPIC_INTENT_PREFIX = RETRIEVAL_INTENT + "__"
_TOPIC_INTENT = re.compile(r"^(\s*-?\s*intent:\s*)" + RETRIEVAL_INTENT + r"/(\w+)", re.MULTILINE)
# Bump when the build itself changes in a way that changes the model.
BUILD_VERSION = "2"

_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Fold accents and case, squeeze spaces: the form every model input takes."""
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = folded.replace("’", "'").replace("œ", "oe").replace("Œ", "oe")
    return _SPACES.sub(" ", folded).strip().lower()


def _fold_file(text: str) -> str:
    # Whole-file folding is safe: YAML syntax and entity annotations are ASCII, and the
    # canonical entity values are too. Case is left alone (Rasa lower-cases itself).
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


def data_files(data_dir: Path | None = None) -> list[Path]:
    return sorted((data_dir or DATA_DIR).rglob("*.yml"))


@dataclass(frozen=True)
class Inventory:
    intents: tuple[str, ...]  # conversation intents and "faq"
    faq_topics: tuple[str, ...]  # the FAQ topics' keys, without "faq/"
    entities: tuple[str, ...]


def inventory(files: list[Path] | None = None) -> Inventory:
    intents: set[str] = set()
    topics: set[str] = set()
    entities: set[str] = set()
    annotation = re.compile(r"\]\((\w+)\)|\"entity\":\s*\"(\w+)\"")
    for path in files if files is not None else data_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu", []):
            if "intent" in block:
                name = block["intent"]
                if name.startswith(RETRIEVAL_INTENT + "/"):
                    topics.add(name.split("/", 1)[1])
                    intents.add(RETRIEVAL_INTENT)
                else:
                    intents.add(name)
                for match in annotation.finditer(block.get("examples", "")):
                    entities.add(match.group(1) or match.group(2))
            elif block.get("regex") == "postcode":  # extracted as an entity; `reference` is only a feature
                entities.add("postcode")
    return Inventory(tuple(sorted(intents)), tuple(sorted(topics)), tuple(sorted(entities)))


def fingerprint(data_dir: Path | None = None) -> str:
    """What the model depends on: the config, our components, the training data, Rasa's and our
    build version.
    The FAQ answers are not in it: editing them needs no retraining."""
    data_dir = data_dir or DATA_DIR
    digest = hashlib.sha256()
    digest.update(f"build={BUILD_VERSION};rasa={importlib.metadata.version('rasa')}".encode())
    digest.update(CONFIG_FILE.read_bytes())
    digest.update(COMPONENTS_FILE.read_bytes())
    for path in data_files(data_dir):
        digest.update(str(path.relative_to(data_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build(target: Path, data_dir: Path | None = None) -> tuple[Path, Path, Path]:
    """Write the training project into `target`: (config, data folder, domain)."""
    data_dir = data_dir or DATA_DIR
    data_out = target / "data"
    data_out.mkdir(parents=True, exist_ok=True)
    files = data_files(data_dir)
    for path in files:
        out = data_out / "_".join(path.relative_to(data_dir).parts)
        folded = _fold_file(path.read_text(encoding="utf-8"))
        out.write_text(_TOPIC_INTENT.sub(r"\g<1>" + TOPIC_INTENT_PREFIX + r"\2", folded), encoding="utf-8")
    inv = inventory(files)
    domain = {
        "version": "3.1",
        "intents": [i for i in inv.intents if i != RETRIEVAL_INTENT]
        + [TOPIC_INTENT_PREFIX + t for t in inv.faq_topics],
        "entities": list(inv.entities),
    }
    domain_file = target / "domain.yml"
    domain_file.write_text(yaml.safe_dump(domain, allow_unicode=True, sort_keys=False), encoding="utf-8")
    config_file = target / "config.yml"
    config_file.write_text(CONFIG_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    return config_file, data_out, domain_file
