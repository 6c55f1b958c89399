"""Suites shared by the task tests (built once per session)."""

from __future__ import annotations

import pytest

from bimt import make_suite


@pytest.fixture(scope="session")
def cog20():
    return make_suite("cog20")


@pytest.fixture(scope="session")
def cog20_23():
    return make_suite("cog20", profile="neurogym-2.3")


@pytest.fixture(scope="session")
def modcog():
    return make_suite("modcog-all")


@pytest.fixture(scope="session")
def modcog_bug():
    return make_suite("modcog-all", modcog_label_bug=True)
