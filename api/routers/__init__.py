"""One router per audience: employers, providers, the authority; plus operations."""
