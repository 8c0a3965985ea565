"""Fixtures: a real hub on SQLite and on MariaDB (``backend``), tokens, and
``run`` for the async test bodies (no pytest-asyncio in Debian 12)."""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterator, TypeVar

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub_server import SECRET, Database, HubServer  # noqa: E402

from review_hub import tokens  # noqa: E402

T = TypeVar("T")


def run(coro: Awaitable[T], timeout: float = 90) -> T:
    """Runs a test body on a fresh event loop, bounded in time."""
    return asyncio.run(asyncio.wait_for(coro, timeout))  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "mysql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh database of each kind."""
    db = Database(request.param, tmp_path)
    yield db
    db.drop()


@pytest.fixture
def make_server(database: Database, tmp_path: Path) -> Iterator[Callable[..., HubServer]]:
    """Starts hub processes on the test's database; every one is killed at the end."""
    started: list[HubServer] = []

    def make(**env: str) -> HubServer:
        server = HubServer(database, tmp_path, env)
        started.append(server)
        return server.start()

    yield make
    for server in started:
        server.kill()


@pytest.fixture
def server(make_server: Callable[..., HubServer]) -> HubServer:
    """One hub process."""
    return make_server()


def token(sub: str = "py-module", role: str = "module", **kw: Any) -> str:
    """A token of the test secret."""
    return tokens.mint(SECRET, sub, role, kw.pop("ttl", "1h"), **kw)


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[HubServer]:
    """One hub process on SQLite, for tests whose subject does not depend on the database."""
    server = HubServer(Database("sqlite", tmp_path), tmp_path)
    server.start()
    yield server
    server.kill()
