"""Frames, charts and documents for people who never read logs: feedback and trend reports, and the
dashboard's pages."""
