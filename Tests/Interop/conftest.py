"""Shared pytest configuration for the interop suites.

The suites run the real peers (pycrdt/yrs, python-socketio, websockets) against Tandem's own binary,
found through TANDEM_BIN (set by Tests/run) or the default debug build path.
"""
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def tandem_bin() -> str:
    path = os.environ.get("TANDEM_BIN", str(ROOT / ".build" / "debug" / "tandem"))
    assert os.path.exists(path), f"tandem binary not found at {path}; run swift build"
    return path


@pytest.fixture(scope="session")
def shared_dir() -> pathlib.Path:
    return SHARED
