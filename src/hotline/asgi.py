"""The application object for uvicorn workers: `uvicorn hotline.asgi:app`."""

import logging.config

from hotline.app import create_app
from hotline.config import load_settings
from hotline.logs import log_config

settings = load_settings()
# JSON lines with the caller-data filter, also when uvicorn is started by hand rather than by `hotline serve`.
logging.config.dictConfig(log_config(json_lines=settings.json_logs))
app = create_app(settings)
