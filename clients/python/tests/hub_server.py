"""The real hub (``main.ts``) as a child process for these tests, on a free
loopback port, with SQLite or a fresh MariaDB database, and direct database
access as another module of the system has it (insert ``responses`` rows).
Mirrors ``tests/_support/server.ts`` and ``tests/_support/db.ts``.
"""
from __future__ import annotations

import datetime
import os
import random
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[3]
SECRET = "test-secret-of-at-least-32-bytes-length!"
MYSQL = {
    "host": os.environ.get("TEST_MYSQL_HOST", "127.0.0.1"),
    "port": os.environ.get("TEST_MYSQL_PORT", "3306"),
    "user": os.environ.get("TEST_MYSQL_USER", "root"),
    "password": os.environ.get("TEST_MYSQL_PASSWORD", ""),
}
_handed_out: set[int] = set()
_deno: Optional[str] = None


def deno_binary() -> str:
    """The deno executable of the pinned version (``DENO_BIN``, else resolved once through npx)."""
    global _deno
    if _deno is None:
        _deno = os.environ.get("DENO_BIN") or ""
        if not _deno:
            version = (ROOT / ".deno-version").read_text().strip()
            out = subprocess.run(
                ["npx", "-y", f"deno@{version}", "eval", "console.log(Deno.execPath())"],
                check=True, capture_output=True, text=True, timeout=300,
            )
            _deno = out.stdout.strip().splitlines()[-1]
    return _deno


def free_port() -> int:
    """A free port below the kernel's ephemeral range, never twice in a run (as server.ts)."""
    for _ in range(1000):
        port = random.randint(20_000, 31_999)
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free port")


def _sql_time(moment: Optional[datetime.datetime] = None) -> str:
    moment = moment or datetime.datetime.now(datetime.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


class Database:
    """A test database: a SQLite file in a temporary directory, or a fresh MariaDB database."""

    def __init__(self, kind: str, tmp: Path) -> None:
        self.kind = kind
        self.sqlite_path = tmp / "hub.sqlite"
        self.mysql_db = f"pyt_{uuid.uuid4().hex[:12]}"

    def env(self) -> dict[str, str]:
        """The server's configuration for this database."""
        if self.kind == "sqlite":
            return {"SQLITE_PATH": str(self.sqlite_path)}
        return {
            "MYSQL_HOST": MYSQL["host"], "MYSQL_PORT": MYSQL["port"], "MYSQL_USER": MYSQL["user"],
            "MYSQL_PASSWORD": MYSQL["password"], "MYSQL_DB": self.mysql_db,
        }

    def _mysql(self, sql: str, db: Optional[str] = None) -> str:
        args = ["mysql", "-N", "-B", f"-h{MYSQL['host']}", f"-P{MYSQL['port']}", f"-u{MYSQL['user']}"]
        if MYSQL["password"]:
            args.append(f"-p{MYSQL['password']}")
        if db:
            args.append(db)
        return subprocess.run(args + ["-e", sql], check=True, capture_output=True, text=True, timeout=30).stdout

    def insert_response(self, platform: str = "vk", post_url: str = "https://vk.com/wall-1_1",
                        text: str = "proposed reply") -> int:
        """Inserts a pending ``responses`` row as the proposing module does; returns its id."""
        values = (platform, post_url, "post text", "author", text, "pending", _sql_time())
        if self.kind == "sqlite":
            db = sqlite3.connect(self.sqlite_path, timeout=10)
            try:
                cur = db.execute(
                    "INSERT INTO responses (platform, post_url, post_text, author, response_text, status, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)", values)
                db.commit()
                return int(cur.lastrowid or 0)
            finally:
                db.close()
        quoted = ", ".join("'" + v.replace("\\", "\\\\").replace("'", "''") + "'" for v in values)
        out = self._mysql(
            "INSERT INTO responses (platform, post_url, post_text, author, response_text, status, created_at)"
            f" VALUES ({quoted}); SELECT LAST_INSERT_ID();", self.mysql_db)
        return int(out.split()[-1])

    def scalar(self, sql: str) -> str:
        """Runs one query and returns its first value as text."""
        if self.kind == "sqlite":
            db = sqlite3.connect(self.sqlite_path, timeout=10)
            try:
                row = db.execute(sql).fetchone()
                return "" if row is None else str(row[0])
            finally:
                db.close()
        return self._mysql(sql, self.mysql_db).strip()

    def drop(self) -> None:
        """Removes the MariaDB database (the SQLite file goes with the temporary directory)."""
        if self.kind == "mysql":
            self._mysql(f"DROP DATABASE IF EXISTS `{self.mysql_db}`")


class HubServer:
    """One server process; ``kill()`` (SIGKILL) and ``start()`` again keep port and database."""

    def __init__(self, db: Database, tmp: Path, env: Optional[dict[str, str]] = None) -> None:
        self.db = db
        self.port = free_port()
        self.log_path = tmp / f"server-{self.port}.log"
        self.env = {
            **os.environ, "WEBSOCKET_HOST": "127.0.0.1", "AUTH_SECRET": SECRET, "LOG_LEVEL": "warn",
            "NO_COLOR": "1", **db.env(), **(env or {}), "WEBSOCKET_PORT": str(self.port),
        }
        self.proc: Optional[subprocess.Popen[bytes]] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self, timeout: float = 60) -> "HubServer":
        """Starts ``main.ts`` with the permissions of ``deno task start`` and waits for ``/readyz``."""
        write_dir = str(self.db.sqlite_path.parent)
        args = [deno_binary(), "run", "--allow-net", "--allow-env", "--allow-read", f"--allow-write={write_dir}",
                "--allow-sys=hostname,osRelease,networkInterfaces", "--allow-run=deno", str(ROOT / "main.ts")]
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as res:
                    if res.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"the server did not become ready:\n{self.output()}")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL, and wait for the exit."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)

    def stop(self) -> None:
        """SIGTERM, and wait for the exit (SIGKILL after 15 s)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
