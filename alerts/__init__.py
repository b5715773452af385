"""Spike detection over plain time series, alert rules and their lifecycle, Alertmanager-style
routing, and notifier channels. State comes in and goes out as data; imports nothing else of ours."""
