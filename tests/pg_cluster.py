"""Run a command against a throwaway PostgreSQL cluster:
`python tests/pg_cluster.py [--in-memory] CMD...`.

Installs Debian's postgresql when its binaries are missing, creates a cluster in a
temporary directory on a free loopback port (in memory with `--in-memory`, when there is
room), runs the command with
TEST_DATABASE_URL pointing at it, then stops and removes the cluster. If the
server cannot be installed or started it says so loudly and fails: a PostgreSQL
run is never skipped in silence.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path


def fail(message: str) -> None:
    """Stop with a message nobody can miss."""
    bar = "!" * 78
    print(f"\n{bar}\nPOSTGRESQL TEST RUN FAILED: {message}\n{bar}\n", file=sys.stderr, flush=True)
    raise SystemExit(1)


def pg_bin() -> Path:
    """The newest installed PostgreSQL server's bin directory, installing it if needed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        if os.geteuid() != 0:
            fail(
                "PostgreSQL is not installed and this user cannot install it "
                "(run as root, or: apt-get install postgresql)."
            )
        print("Installing Debian's postgresql ...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "postgresql"],
        ):
            if subprocess.run(command, env=env, check=False).returncode != 0:
                fail(f"'{' '.join(command)}' failed.")
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            fail("postgresql installed but initdb was not found.")
    return Path(found[-1]).parent


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Room the test suite's cluster needs in memory: two template databases of 20 MB, the
# copies in use, and the write-ahead log between checkpoints.
MEMORY_NEEDED = 2 * 1024**3


def work_root(in_memory: bool) -> str | None:
    """Where the cluster's directory goes: /dev/shm when asked and there is room there,
    else the usual temporary directory.

    Every test copies a template database and drops its copy after. On a disk that
    discards freed blocks as it goes, that cost about 0.4 s a test while the other worker
    ran its tests; in memory, about 0.05 s.
    """
    shm = Path("/dev/shm")  # noqa: S108 - only as mkdtemp's parent: the directory is private
    if not in_memory or not shm.is_dir() or not os.access(shm, os.W_OK):
        return None
    return str(shm) if shutil.disk_usage(shm).free >= MEMORY_NEEDED else None


def as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def main(argv: list[str]) -> int:
    """Start a cluster, run argv, stop the cluster; exit with argv's status."""
    in_memory = argv[:1] == ["--in-memory"]
    if in_memory:
        argv = argv[1:]
    if not argv:
        fail("no command given")
    bindir = pg_bin()
    root = work_root(in_memory)
    workdir = Path(tempfile.mkdtemp(prefix="directory-pg-", dir=root))
    # Stopped from outside (a CI time limit), clean up as after a failure: a cluster left
    # in /dev/shm would hold its memory until the machine restarts.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        return _serve(bindir, workdir, argv, "in memory" if root else "on disk")
    finally:
        if (workdir / "data" / "postmaster.pid").exists():
            stop = [str(bindir / "pg_ctl"), "-D", str(workdir / "data"), "-m", "fast", "-w", "stop"]
            subprocess.run(as_server_user(stop), stdout=subprocess.DEVNULL, check=False)
        shutil.rmtree(workdir, ignore_errors=True)


def _serve(bindir: Path, workdir: Path, argv: list[str], where: str) -> int:
    """Create and start a cluster in workdir, then run argv against it."""
    data = workdir / "data"
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
    port = free_port()
    initdb = [
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
    ]
    if subprocess.run(as_server_user(initdb), stdout=subprocess.DEVNULL, check=False).returncode:
        fail("initdb failed")
    options = (
        f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    start = [
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(workdir / "server.log"),
        "-w",
        "start",
    ]
    if subprocess.run(as_server_user(start), stdout=subprocess.DEVNULL, check=False).returncode:
        log = (workdir / "server.log").read_text(errors="replace")[-2000:]
        fail(f"the server did not start:\n{log}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    print(f"PostgreSQL {bindir.parent.name} on port {port}, {where}", flush=True)
    return subprocess.run(
        argv, env={**os.environ, "TEST_DATABASE_URL": url}, check=False
    ).returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
