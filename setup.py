"""Packaging that pyproject.toml cannot say: the top-level templates/ and static/ folders
ship inside the built package as directory/templates and directory/static, so a site
installed from the wheel serves every page. Everything else lives in pyproject.toml."""

from setuptools import find_namespace_packages, setup

DATA = ["*.json", "*.ini", "*.mako", "*.csv", "*.toml", "*.txt", "*.po", "*.mo"]

setup(
    packages=[
        *find_namespace_packages(include=["directory*"], exclude=["*__pycache__*"]),
        "directory.templates",
        "directory.static",
    ],
    package_dir={"directory.templates": "templates", "directory.static": "static"},
    package_data={"": DATA, "directory.templates": ["**/*"], "directory.static": ["**/*"]},
)
