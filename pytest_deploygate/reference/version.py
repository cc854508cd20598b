"""The platform's release version (reported by /api/health)."""

__version__ = "1.0.0"
