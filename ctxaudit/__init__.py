"""ctxaudit: what `docker build` sends to the builder and copies into the image."""

__version__ = "0.1.0"
