"""Fixtures shared by the whole suite. Package-specific fixtures live in each folder's conftest."""
