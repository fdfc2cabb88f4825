# The seed's single-stage image (README, `ctxaudit image`), on the fixtures' base:
# a scratch image whose /bin/sh is tests/layers/minish.c (it fakes pip and apt-get).
FROM ctxaudit-layers-base:1
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY scripts/ ./scripts/
RUN chmod -R 755 ./scripts
RUN apt-get update && apt-get install -y gcc
