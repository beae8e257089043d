from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Models trained by the tests are kept between runs, keyed by the data's fingerprint: the
# real model is trained once per data change, not once per test session.
TEST_MODELS = ROOT / "var" / "test-models"


@pytest.fixture(scope="session")
def nlu_model() -> Path:
    import nlu

    path, _ = nlu.train(TEST_MODELS)
    return path


@pytest.fixture(scope="session")
def parser(nlu_model):
    from nlu.parsing import InProcessParser

    return InProcessParser(nlu_model)
