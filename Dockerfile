FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    MATCHMAKER_ENVIRONMENT=production
WORKDIR /app
RUN useradd --create-home --uid 10001 matchmaker
# requirements.lock: the exact versions the tests ran with (installed as constraints).
COPY pyproject.toml README.md alembic.ini requirements.lock ./
COPY service ./service
COPY models ./models
COPY scoring ./scoring
COPY migrations ./migrations
RUN pip install --constraint requirements.lock .
USER matchmaker
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz').status == 200 else 1)"
CMD ["matchmaker", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-migrate", "--workers", "2"]
