"""Fake AMI fixtures for tests/ami; they live in the plugin ``tests.fixtures_ami``.

Importing them here keeps tests/ami working even before the root conftest lists the plugin.
"""

from tests.fixtures_ami import async_fake_ami, fake_ami, fake_ami_factory

__all__ = ["async_fake_ami", "fake_ami", "fake_ami_factory"]
