"""gunicorn's settings, from the environment: `gunicorn -c python:readiness.gunicorn ...`."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Processes, and threads in each: a page mostly waits on PostgreSQL, so threads help.
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A request that takes longer than this is a bug or an outage: the worker is recycled.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
accesslog = "-"
# Restart workers now and then so slow leaks never accumulate.
max_requests = 2000
max_requests_jitter = 200
