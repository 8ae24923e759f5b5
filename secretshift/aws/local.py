"""``--local``: an embedded Secrets Manager emulator (moto's ThreadedMotoServer on a free port).

moto[server] is an optional dependency (the ``local`` extra; the test extra has it too), imported
only here. The emulator lives as long as the process: secrets created with ``--local`` vanish at exit.
"""
from __future__ import annotations

from typing import Any

from ..base.errors import SecretshiftError

LOCAL_REGION = "us-east-1"
LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


class LocalEmulator:
    """Context manager: ``with LocalEmulator() as url: ...`` gives the endpoint URL."""

    def __init__(self) -> None:
        self._server: Any = None
        self.url = ""

    def __enter__(self) -> str:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            raise SecretshiftError("--local needs moto's server: pip install 'secretshift[local]'") from None
        import logging

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log on stderr
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        # moto's backends live as long as the process: an emulator started again in it starts empty
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(self.url + "/moto-api/reset", method="POST"), timeout=10).read()
        return self.url

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
