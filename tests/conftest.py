"""Shared fixtures: the bundled plan as records and as a graph."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def plan():
    from ingest import BUNDLED_PLAN, read_plan

    return read_plan(BUNDLED_PLAN).plan


@pytest.fixture(scope="session")
def kg():
    from graph import bundled_graph

    return bundled_graph()
