FROM python:3.12-slim
WORKDIR /worker
COPY . /worker/
CMD ["python", "-m", "app.worker"]
