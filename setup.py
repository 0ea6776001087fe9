"""Only the package list; everything else is in pyproject.toml (see the note there)."""

from setuptools import find_packages, setup

setup(packages=find_packages(include=["alexnet_viewer*"]) + ["alexnet_viewer.resources"])
