"""Encryption at rest: the key ring and the envelopes it seals."""
