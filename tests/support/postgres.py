"""A throwaway PostgreSQL cluster on 127.0.0.1 for the tests, started from Debian's binaries.

initdb and pg_ctl refuse to run as root, so as root the cluster runs as the `postgres` user on a
fresh data directory owned by it (NOTES.md). fsync is off: the tests need a real engine, not
durability across power loss.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def available() -> bool:
    return bool(BIN_DIRS) and (BIN_DIRS[0] / "initdb").exists()


class PostgresCluster:
    def __init__(self) -> None:
        if not available():
            raise RuntimeError("PostgreSQL binaries not found under /usr/lib/postgresql (scripts/setup installs them)")
        self.bin = BIN_DIRS[0]
        self.root = Path(tempfile.mkdtemp(prefix="brandpulse-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def start(self) -> PostgresCluster:
        if self._as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync", "--locale=C.UTF-8")
        self._pg_ctl_start()
        return self

    def _pg_ctl_start(self) -> None:
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; `fast` ends every client session, `immediate` is a crash (recovery at start)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def start_again(self) -> None:
        """Start a stopped server again, on the same port and data (an outage ends)."""
        self._pg_ctl_start()

    def restart(self) -> None:
        self.stop()
        self._pg_ctl_start()

    def is_running(self) -> bool:
        command = [str(self.bin / "pg_ctl"), "-D", str(self.data), "status"]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True).returncode == 0

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        """A plain autocommit psycopg connection, for checks the tests make beside the application."""
        return psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname={database}", autocommit=True)

    def terminate_sessions(self, database: str, application_name: str | None = None) -> int:
        """End the sessions on `database` (as a network cut or an administrator would); returns how many."""
        query = ("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                 " WHERE datname = %s AND pid <> pg_backend_pid()")
        params: list[str] = [database]
        if application_name is not None:
            query += " AND application_name = %s"
            params.append(application_name)
        with self.connect() as connection:
            return connection.execute(query, params).fetchone()[0]

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        with self.connect() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)
