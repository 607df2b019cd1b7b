"""Listings: what is published, a listing as data, moderation, decisions and the audit log."""
