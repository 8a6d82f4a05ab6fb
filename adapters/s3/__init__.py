"""Object storage on S3 and S3-compatible services (MinIO, R2) through aioboto3."""
