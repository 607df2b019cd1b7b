"""Pages for clinic owners: claims, proposals, their dashboard."""
