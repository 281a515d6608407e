"""Tandem: a self-hostable platform that runs mentoring programs end to end."""

__version__ = "0.1.0"
