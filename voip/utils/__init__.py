"""Helpers named by the user's guide (``voip.utils.asterisk_realtime.auto_provision_endpoint``)."""
