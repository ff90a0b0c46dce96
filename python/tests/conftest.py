"""Shared set-up of the binding tests: paths from ctest's environment, offline Hub."""

import os
import pathlib

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _path(var: str) -> pathlib.Path:
    value = os.environ.get(var)
    if not value:
        raise RuntimeError(f"{var} is not set: run these tests through ctest (tests/CMakeLists.txt sets it)")
    return pathlib.Path(value)


@pytest.fixture(scope="session")
def shared_data() -> pathlib.Path:
    return _path("RAGPPO_SHARED_DATA_DIR")


@pytest.fixture(scope="session")
def fixtures() -> pathlib.Path:
    return _path("RAGPPO_FIXTURES_DIR")


@pytest.fixture(scope="session")
def recipes_json(shared_data) -> str:
    return str(shared_data / "recipes" / "recipes.json")


@pytest.fixture(scope="session")
def small_index(tmp_path_factory, recipes_json) -> str:
    """An index of the first 12 shared recipes, built once through the bindings."""
    import ragppo

    out = str(tmp_path_factory.mktemp("index") / "idx")
    report = ragppo.index_build(recipes_json, out, limit=12)
    assert report["recipes"] == 12
    return out
