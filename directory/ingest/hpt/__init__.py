"""Hospital price transparency files (45 CFR 180.50, the CMS template): read, select, import."""
