# The seed's fix (sample_contexts/pandas-analysis/Dockerfile): permissions are
# set in a preparation stage, so the final image holds the scripts once.
FROM ctxaudit-layers-base:1 AS prep
WORKDIR /src
COPY scripts/ ./scripts/
RUN chmod -R 755 ./scripts

FROM ctxaudit-layers-base:1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY --from=prep /src/scripts ./scripts
CMD ["python", "scripts/analyze.py"]
