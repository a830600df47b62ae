"""Where a call's recording is: the name stored in ``CallLog.recording_file`` and the file behind it.

Recordings are stored relative to Asterisk's monitor directory. ``start_recording`` sends
MixMonitor a relative name by default, which MixMonitor resolves against its monitor directory
(apps/app_mixmonitor.c ``filename_parse``) and reports back as an absolute path in
``MIXMONITOR_FILENAME`` (transcript 07-originate-into-realtime-dialplan-mixmonitor.txt:
``/opt/asterisk/var/spool/asterisk/monitor/rt-test-….wav``). Asterisk's monitor directory is
always ``<astspooldir>/monitor`` (main/options.c), so an absolute path maps back to a relative
name by what follows that ``monitor`` directory; with ``ASTERISK_RECORDINGS_DIR`` set, by what
follows that directory. The CRM sees the same files under ``VOIP_CALLS['RECORDINGS_ROOT']``.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from voip.conf import TelephonyNotConfigured, asterisk_settings, recordings_root

__all__ = ["MONITOR_DIRECTORY_NAME", "recording_file_path", "recordings_root", "stored_recording_name"]

MONITOR_DIRECTORY_NAME = "monitor"


def _configured_recordings_dir() -> PurePosixPath | None:
    try:
        return asterisk_settings().recordings_path
    except TelephonyNotConfigured:
        return None


def _relative_to_monitor_dir(path: PurePosixPath) -> PurePosixPath | None:
    """What follows Asterisk's recordings directory in an absolute path Asterisk reported, or None."""
    configured = _configured_recordings_dir()
    if configured is not None:
        try:
            return path.relative_to(configured)
        except ValueError:
            pass  # not there: perhaps still under the monitor directory (rows from before the setting)
    parts = path.parts
    if MONITOR_DIRECTORY_NAME in parts[1:-1]:
        return PurePosixPath(*parts[parts.index(MONITOR_DIRECTORY_NAME, 1) + 1 :])
    return None


def stored_recording_name(reported: str) -> str:
    """The name to store for the path Asterisk reported: relative to its monitor directory.

    A relative name is kept; an absolute path outside the recordings directory (a dialplan's
    own ``MixMonitor(/elsewhere/x.wav)``) is kept as it is, so nothing is lost.
    """
    if not reported or not reported.startswith("/"):
        return reported
    relative = _relative_to_monitor_dir(PurePosixPath(reported))
    return str(relative) if relative is not None and relative.parts else reported


def recording_file_path(name: str) -> Path | None:
    """The file on this machine for a stored ``recording_file``, or None when unsafe or absent.

    Relative names are relative to RECORDINGS_ROOT; absolute paths (rows stored before names
    were relative) map by what follows the monitor directory. Whatever it says, the result is a
    regular file inside RECORDINGS_ROOT after resolving ``..`` and symbolic links.
    """
    if not name or "\x00" in name or "\\" in name:
        return None
    recorded = PurePosixPath(name)
    relative = _relative_to_monitor_dir(recorded) if recorded.is_absolute() else recorded
    if relative is None or not relative.parts:
        return None
    root = recordings_root().resolve()
    candidate = root.joinpath(*relative.parts).resolve()
    if candidate == root or not candidate.is_relative_to(root):
        return None
    return candidate if candidate.is_file() else None
