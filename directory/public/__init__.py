"""Pages for patients: search, clinic pages, comparison, regions and costs."""
