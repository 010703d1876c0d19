# Readiness: one image for the web process (gunicorn) and management commands.
FROM python:3.13-slim AS app

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md manage.py ./
COPY readiness ./readiness
COPY templates ./templates
COPY static ./static
# Editable, so that the code runs from /app next to templates/ and static/.
RUN pip install -e .

# Compile the translations (pure Python: the slim image has no GNU gettext).
RUN DEBUG=1 python manage.py compile_translations

# Hash and compress the static files into the image; the values are only for this step.
RUN DEBUG=0 SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --no-input

RUN useradd --system --uid 1000 readiness
USER readiness

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD python -c "import os, urllib.request as u; h=os.environ['ALLOWED_HOSTS'].split(',')[0]; u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': h}), timeout=4)"
# Workers and threads from GUNICORN_WORKERS and GUNICORN_THREADS (readiness/gunicorn.py).
CMD ["gunicorn", "-c", "python:readiness.gunicorn", "readiness.wsgi"]
