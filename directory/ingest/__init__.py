"""Bringing outside data into the directory: pages, bulk files, hospital price files."""
