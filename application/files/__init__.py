"""Files: multipart uploads to object storage, downloads, product media and avatars."""
