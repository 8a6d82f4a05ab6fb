"""The container picks the object storage from the settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dependency_injector import providers

from adapters.localfs.storage import LocalObjectStorage
from adapters.s3.storage import S3ObjectStorage
from entrypoints.container import Container
from entrypoints.settings import Adapters, Settings


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


def _container(settings: Settings) -> Container:
    container = Container()
    container.settings.override(providers.Object(settings))
    return container


def _object_storage(settings: Settings) -> Any:
    return _container(settings).object_storage()


def test_local_storage_by_default(tmp_path: Path) -> None:
    storage = _object_storage(_settings(data_dir=tmp_path, port=9100))
    assert isinstance(storage, LocalObjectStorage)
    assert storage.root == tmp_path / "files"
    assert storage.public_url("public/a/b.png") == "http://127.0.0.1:9100/storage/public/a/b.png"


def test_memory_adapters_keep_files_in_a_directory_removed_at_shutdown(tmp_path: Path) -> None:
    container = _container(_settings(data_dir=tmp_path, adapters=Adapters.memory))
    storage = container.object_storage()
    assert isinstance(storage, LocalObjectStorage)
    root = storage.root
    assert root.is_dir() and not root.is_relative_to(tmp_path)
    (root / "left-behind").write_bytes(b"x")
    container.shutdown_resources()
    assert not root.exists()


def test_base_url_defaults_to_where_the_api_listens() -> None:
    assert _settings(host="0.0.0.0", port=8080).api_base_url == "http://127.0.0.1:8080"
    assert _settings(host="::", port=8080).api_base_url == "http://127.0.0.1:8080"
    assert _settings(host="10.1.2.3").api_base_url == "http://10.1.2.3:8000"
    assert _settings(base_url="https://pay.example.com/").api_base_url == "https://pay.example.com"


def test_s3_when_a_bucket_is_set() -> None:
    settings = _settings(
        s3_bucket="files",
        s3_endpoint_url="http://minio:9000",
        s3_access_key_id="key",
        s3_secret_access_key="secret",
        s3_region="eu-west-1",
        base_url="https://pay.example.com",
    )
    storage = _object_storage(settings)
    assert isinstance(storage, S3ObjectStorage)
    assert (storage.bucket, storage.endpoint_url, storage.region) == (
        "files",
        "http://minio:9000",
        "eu-west-1",
    )
    # Without MERIDIAN_S3_PUBLIC_URL, public objects are served through the API.
    assert storage.public_url("public/a.png") == "https://pay.example.com/storage/public/a.png"
    cdn = _object_storage(_settings(s3_bucket="files", s3_public_url="https://cdn.example.com/"))
    assert cdn.public_url("public/a.png") == "https://cdn.example.com/public/a.png"
