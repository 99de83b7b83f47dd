"""The application object for uvicorn workers: `uvicorn hotline.asgi:app`."""

import gc
import logging.config

from hotline.app import create_app
from hotline.config import load_settings
from hotline.logs import log_config
from hotline.triage import assess

settings = load_settings()
# JSON lines with the caller-data filter, also when uvicorn is started by hand rather than by `hotline serve`.
logging.config.dictConfig(log_config(json_lines=settings.json_logs))
app = create_app(settings)
# Everything loaded so far (code, templates, the rule set and its matching tables) lives as long as the
# worker. Frozen, the collector stops walking it: a full collection over it took ~100 ms, and that pause
# was the slowest 1% of queue pages (p99 140 ms; 30-40 ms frozen, bench/referral_queue.py).
assess("", rules=app.state.rules.current)
gc.freeze()
