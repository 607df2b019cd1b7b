"""Listings from published sources: clinic web pages and bulk files."""
