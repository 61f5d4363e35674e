"""`python -m sandbox.icecat --port P [...]`: serve the Icecat sandbox on 127.0.0.1:P until SIGTERM."""

from __future__ import annotations

import uvicorn

from sandbox.icecat.app import create_app
from sandbox.icecat.config import parse_args


def main() -> None:
    settings = parse_args()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")


if __name__ == "__main__":
    main()
