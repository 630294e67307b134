"""Offline question answering over Chinese magazine articles, with cited answers and an evaluation harness."""

__version__ = "0.1.0"
