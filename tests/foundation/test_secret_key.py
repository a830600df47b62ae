"""The development SECRET_KEY file: processes starting together on a fresh install share one key."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from config.secret_key import persistent_secret_key

REPO_ROOT = Path(__file__).resolve().parents[2]

# Each process spins until the "go" file appears, so all of them reach the key file together.
STARTER = """
import os, sys, time
from pathlib import Path
from config.secret_key import persistent_secret_key
go, key_file = sys.argv[1], Path(sys.argv[2])
deadline = time.monotonic() + 10
while not os.path.exists(go) and time.monotonic() < deadline:
    pass
print(persistent_secret_key(key_file))
"""


def _start_together(directory: Path, count: int) -> tuple[list[str], str]:
    go = directory / "go"
    key_file = directory / "secret_key"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", STARTER, str(go), str(key_file)],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    go.touch()
    keys = [process.communicate(timeout=30)[0].strip() for process in processes]
    assert all(process.returncode == 0 for process in processes)
    return keys, key_file.read_text().strip()


def test_processes_starting_at_once_all_get_the_key_in_the_file(tmp_path: Path) -> None:
    for round_number in range(20):
        directory = tmp_path / f"round{round_number}"
        directory.mkdir()
        keys, stored = _start_together(directory, count=6)
        assert len(stored) >= 50
        assert keys == [stored] * 6, f"round {round_number}: different keys {keys}"
        assert sorted(p.name for p in directory.iterdir()) == ["go", "secret_key"]  # no draft left behind


def test_the_key_file_is_private_and_kept(tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    first = persistent_secret_key(key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert persistent_secret_key(key_file) == first
