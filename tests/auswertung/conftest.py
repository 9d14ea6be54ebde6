"""Fixtures of the auswertung tests (no app, no database)."""

from __future__ import annotations

import pandas as pd
import pytest

from auswertung import Design
from tests.auswertung.reference import build_designs, read_sample


@pytest.fixture(scope="session")
def sample() -> pd.DataFrame:
    return read_sample()


@pytest.fixture(scope="session")
def designs() -> dict[str, Design]:
    return build_designs()
