"""Groundwork: take generative-AI systems from pilot to production."""

import os

# Groundwork uses no pydantic plugins; without this, building the first model scans the
# metadata of every installed package for them, a large part of a short command's time.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

__version__ = "0.1.0"
