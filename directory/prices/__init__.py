"""Prices: what clinics publish, and the standard charges hospitals publish."""
