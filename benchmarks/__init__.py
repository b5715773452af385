"""Benchmarks: scripts that measure the product on the development data in ../shared/data."""
