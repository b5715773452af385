"""Benchmarks: scripts that measure the product on the development data (the folder that
`BRANDPULSE_DATA` or `--data` names: docs/development-data.md)."""
