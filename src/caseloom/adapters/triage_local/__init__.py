"""The local triage model: trained signal models and built-in readers, no network."""
