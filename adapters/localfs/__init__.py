"""Object storage on the local filesystem: the embedded default."""
