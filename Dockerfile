# The ledger's one image: the API (`ledger serve`) and the projection worker
# (`ledger project`) are the same program started with different commands.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so that a code change does not
# reinstall them: this layer is rebuilt only when the dependency list changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && useradd --system --uid 10001 --home-dir /data --create-home ledger \
    && install -d -o ledger /journal

# Then the code itself, without touching the dependencies installed above.
COPY README.md ./
COPY ledger ./ledger
COPY projections ./projections
COPY api ./api
RUN pip install --no-deps .

# The embedded SQLite default writes ./ledger.sqlite3: keep it in a volume-friendly
# directory owned by the unprivileged user. Deployments set LEDGER_DATABASE_URL.
WORKDIR /data
USER ledger

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)" || exit 1

CMD ["ledger", "serve", "--host", "0.0.0.0", "--port", "8000"]
