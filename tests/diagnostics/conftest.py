"""Fake AMI fixtures (also imported here in case the root conftest does not list the plugin yet)."""

from tests.fixtures_ami import fake_ami, fake_ami_factory

__all__ = ["fake_ami", "fake_ami_factory"]
