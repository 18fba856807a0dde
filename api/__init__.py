"""The HTTP API: one router per audience (employers, providers, authority)."""
