"""Asterisk configuration files generated from the project's own settings.

``setup_asterisk_realtime --write-config DIR [--force]`` calls :func:`write_asterisk_config`;
tests and previews call :func:`render_asterisk_config`. See docs/asterisk-config.md.
"""

from .writer import (
    AsteriskConfigError,
    WrittenConfigFile,
    render_asterisk_config,
    write_asterisk_config,
)

__all__ = ["AsteriskConfigError", "WrittenConfigFile", "render_asterisk_config", "write_asterisk_config"]
