"""The PBX tests' fixtures, for the PBX endpoints of the API."""

from tests.pbx.conftest import pbx_ami  # noqa: F401
from tests.provisioning.conftest import ami_at, provisioning  # noqa: F401
