"""BrandPulse: configuration, CLI and the scheduler service that wire listeners, sentiment, storage,
alerts and reports together."""

__version__ = "0.1.0"
