"""gunicorn for the GTI Platform: `gunicorn -c deploy/gunicorn.conf.py`.

Everything a machine decides comes from the environment (the settings read theirs too, see
src/gti/settings.py): GTI_BIND, GTI_WEB_WORKERS, GTI_WEB_THREADS, GTI_WEB_TIMEOUT. nginx sits in
front (deploy/nginx.conf.example) and buffers slow clients, so plain sync workers with a few
threads serve well; the task worker (`gti db_worker`) runs as its own service.
"""

import multiprocessing
import os

wsgi_app = "gti.wsgi:application"
bind = os.environ.get("GTI_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GTI_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GTI_WEB_THREADS", "2"))
timeout = int(os.environ.get("GTI_WEB_TIMEOUT", "60"))  # long work runs as a job, not here
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests, so slow growth of memory cannot build up.
max_requests = 2000
max_requests_jitter = 200
# The application is loaded in each worker after the fork: no database connection is shared.
preload_app = False
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GTI_WEB_LOG_LEVEL", "info")
# nginx on the same machine sets X-Forwarded-Proto; gunicorn trusts it from loopback only.
forwarded_allow_ips = os.environ.get("GTI_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
limit_request_line = 8190
proc_name = "gti-web"
