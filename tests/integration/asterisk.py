"""A private Asterisk for the integration tests, built by ``../shared/asterisk/src/build.sh``.

Its configuration is the stock samples with the files ``setup_asterisk_realtime --write-config``
generates laid over them; beyond those, only what a private instance needs: every directory under
one temporary folder, free loopback ports (they come in through the settings the generated files
are rendered from), modules that bind the wildcard address or reach out switched off, an RTP range
of its own, HTTP off. It is started in the foreground (so this process owns its PID), waited for
with ``core waitfullybooted`` and stopped by that PID whatever happened.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path

PREFIX = Path(os.environ.get("ASTERISK_PREFIX", "/opt/asterisk"))
BINARY = PREFIX / "sbin" / "asterisk"
SAMPLES = PREFIX / "etc" / "asterisk"  # what `make samples` installed: Asterisk's stock configuration

# Samples of database back ends these tests do not use: without their file those modules decline to
# load instead of trying to reach a server (the realtime driver's own file is generated).
UNUSED_DATABASE_SAMPLES = (
    "cdr_pgsql.conf",
    "cel_pgsql.conf",
    "cdr_odbc.conf",
    "cdr_adaptive_odbc.conf",
    "cel_odbc.conf",
    "res_odbc.conf",
    "func_odbc.conf",
    "res_config_mysql.conf",
    "cdr_mysql.conf",
    "res_config_sqlite3.conf",
    "cdr_sqlite3_custom.conf",
    "cel_sqlite3_custom.conf",
    "res_pgsql.conf",
)

# Modules that bind the wildcard address or reach out by themselves (NOTES: a private instance).
NOLOAD = (
    "chan_iax2.so",
    "chan_unistim.so",
    "pbx_dundi.so",
    "chan_motif.so",
    "res_xmpp.so",
    "res_hep.so",
    "res_hep_pjsip.so",
    "res_hep_rtcp.so",
    "res_statsd.so",
    "res_smdi.so",
    "res_stun_monitor.so",
    "res_phoneprov.so",
    "res_pjsip_phoneprov_provider.so",
    "cel_pgsql.so",
    "pbx_ael.so",
)


def installed() -> bool:
    return BINARY.is_file() and (PREFIX / "lib" / "asterisk" / "modules" / "res_pjsip.so").is_file()


def free_port(kind: int = socket.SOCK_STREAM, host: str = "127.0.0.1") -> int:
    """A loopback port free for both TCP and UDP on ``host`` (SIP transports and AMI)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, kind) as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
        other = socket.SOCK_DGRAM if kind == socket.SOCK_STREAM else socket.SOCK_STREAM
        try:
            with socket.socket(socket.AF_INET, other) as second:
                second.bind((host, port))
        except OSError:
            continue
        return port
    raise RuntimeError("no free loopback port")


class AsteriskError(RuntimeError):
    pass


class PrivateAsterisk:
    """One Asterisk process with all its state under ``root``."""

    def __init__(self, root: Path, *, rtp_range: tuple[int, int]) -> None:
        self.root = root
        self.etc = root / "etc"
        self.spool = root / "spool"
        self.log_dir = root / "log"
        self.run_dir = root / "run"
        self.db_dir = root / "db"
        self.rtp_range = rtp_range
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def config_file(self) -> Path:
        return self.etc / "asterisk.conf"

    @property
    def monitor_dir(self) -> Path:
        """Asterisk's own recordings directory (``astspooldir``/monitor)."""
        return self.spool / "monitor"

    # -- configuration ------------------------------------------------------------------------
    def configure(self, generated: Path) -> None:
        """Stock samples, then every file of ``generated`` over them, then the private-instance bits."""
        self.configure_files({path.name: path.read_text(encoding="utf-8") for path in generated.iterdir()})

    def configure_files(self, files: Mapping[str, str]) -> None:
        """Stock samples, then ``files`` (name -> text) over them, then the private-instance bits
        (a second instance, such as the provider of tests/integration/provider.py, is configured
        from static files this way)."""
        for directory in (self.etc, self.spool, self.log_dir, self.run_dir, self.db_dir, self.monitor_dir):
            directory.mkdir(parents=True, exist_ok=True)
        for sample in SAMPLES.glob("*.conf"):
            if sample.name not in UNUSED_DATABASE_SAMPLES:
                shutil.copy(sample, self.etc / sample.name)
        for name, text in files.items():
            (self.etc / name).write_text(text, encoding="utf-8")
        with (self.etc / "modules.conf").open("a", encoding="utf-8") as modules:
            modules.write("\n; private test instance: nothing binds the wildcard address or reaches out\n")
            modules.writelines(f"noload => {name}\n" for name in NOLOAD)
        (self.etc / "rtp.conf").write_text(f"[general]\nrtpstart={self.rtp_range[0]}\nrtpend={self.rtp_range[1]}\n")
        (self.etc / "http.conf").write_text("[general]\nenabled=no\n")
        (self.etc / "logger.conf").write_text(
            "[general]\ndateformat=%F %T.%3q\n[logfiles]\nmessages.log => notice,warning,error,verbose(3)\n"
        )
        var_lib = PREFIX / "var" / "lib" / "asterisk"  # build.sh links the sounds and hold music here
        self.config_file.write_text(
            "[directories]\n"
            f"astetcdir => {self.etc}\n"
            f"astmoddir => {PREFIX / 'lib' / 'asterisk' / 'modules'}\n"
            f"astvarlibdir => {var_lib}\n"
            f"astdbdir => {self.db_dir}\n"
            f"astkeydir => {var_lib}\n"
            f"astdatadir => {var_lib}\n"
            f"astagidir => {var_lib / 'agi-bin'}\n"
            f"astspooldir => {self.spool}\n"
            f"astrundir => {self.run_dir}\n"
            f"astlogdir => {self.log_dir}\n"
            f"astsbindir => {PREFIX / 'sbin'}\n"
            "[options]\nverbose = 3\nnocolor = yes\n"
        )

    # -- life cycle ---------------------------------------------------------------------------
    def start(self, timeout: float = 90) -> None:
        command = [str(BINARY), "-C", str(self.config_file), "-f", "-n"]
        if os.geteuid() == 0:
            command += ["-U", "root", "-G", "root"]
        stdout = (self.log_dir / "stdout.log").open("ab")
        self.process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        stdout.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AsteriskError(f"Asterisk exited with {self.process.returncode}; see {self.log_dir}")
            if (self.run_dir / "asterisk.ctl").exists():
                result = self._rx("core waitfullybooted", timeout=max(1.0, deadline - time.monotonic()))
                if result.returncode == 0 and "fully booted" in result.stdout:
                    return
            time.sleep(0.2)
        raise AsteriskError(f"Asterisk did not boot within {timeout} s; see {self.log_dir}")

    def restart_now(self, timeout: float = 90) -> None:
        """``core restart now``: Asterisk re-executes itself (same PID) and boots again."""
        self._rx("core restart now", timeout=10)
        deadline = time.monotonic() + timeout
        time.sleep(1)
        while time.monotonic() < deadline:
            result = self._rx("core waitfullybooted", timeout=5)
            if result.returncode == 0 and "fully booted" in result.stdout:
                return
            time.sleep(0.3)
        raise AsteriskError("Asterisk did not come back after core restart now")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self._rx("core stop now", timeout=10)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    # -- the CLI ------------------------------------------------------------------------------
    def _rx(self, command: str, timeout: float = 15) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                [str(BINARY), "-C", str(self.config_file), "-rx", command],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            return subprocess.CompletedProcess(exc.cmd, 124, exc.stdout or "", exc.stderr or "")

    def cli(self, command: str, timeout: float = 15) -> str:
        """Run one CLI command on the running instance and return its output."""
        result = self._rx(command, timeout=timeout)
        if result.returncode != 0:
            raise AsteriskError(f"asterisk -rx {command!r} failed ({result.returncode}): {result.stderr.strip()}")
        return result.stdout

    def wait_for(
        self, command: str, predicate: Callable[[str], object], timeout: float = 10, interval: float = 0.2
    ) -> str:
        """Repeat a CLI command until ``predicate(output)`` holds; its last output either way."""
        deadline = time.monotonic() + timeout
        output = ""
        while True:
            output = self.cli(command)
            if predicate(output) or time.monotonic() > deadline:
                return output
            time.sleep(interval)
