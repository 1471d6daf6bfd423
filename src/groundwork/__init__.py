"""Groundwork: take generative-AI systems from pilot to production."""

__version__ = "0.1.0"
