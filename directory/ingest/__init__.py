"""Reading listings from outside the directory: pages, bulk files, hospital price files."""
