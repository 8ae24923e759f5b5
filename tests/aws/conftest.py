from __future__ import annotations

import pytest

from .servers import moto_server


@pytest.fixture
def moto_url():
    with moto_server() as url:
        yield url
