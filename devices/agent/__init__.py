"""The station agent: a station's devices in, the server's scan-ingest API out, buffered on disk."""
