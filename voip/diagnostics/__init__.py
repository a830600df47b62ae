"""``setup_asterisk_realtime --validate``: what is wrong between Django, the database and Asterisk."""

from .checks import CheckResult, run_validation

__all__ = ["CheckResult", "run_validation"]
