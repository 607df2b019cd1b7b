"""Moderation pages for admins."""
