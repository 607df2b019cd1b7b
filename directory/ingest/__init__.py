"""Listings from published sources: bulk files (CSV, HSDS 3.0) and their duplicates."""
