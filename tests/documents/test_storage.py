"""Where files are kept: the local file system by default, an S3-compatible store by
configuration (gti/storage.py builds STORAGES from the environment)."""

import pytest
from django.conf import settings

from gti.storage import storages


def test_local_files_by_default():
    built = storages({})
    assert built["default"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert built["staticfiles"]["BACKEND"].endswith("StaticFilesStorage")
    assert settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")


def test_an_s3_compatible_store_by_configuration():
    built = storages({
        "GTI_STORAGE": "s3",
        "GTI_S3_BUCKET": "gti-documenten",
        "GTI_S3_ENDPOINT_URL": "https://s3.stad.example",
        "GTI_S3_ACCESS_KEY_ID": "sleutel",
        "GTI_S3_SECRET_ACCESS_KEY": "geheim",
    })  # fmt: skip
    assert built["default"] == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "gti-documenten",
            "endpoint_url": "https://s3.stad.example",
            "access_key": "sleutel",
            "secret_key": "geheim",
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
    # Without keys, boto3's own chain applies (AWS_* variables, an instance role).
    bare = storages({"GTI_STORAGE": "s3", "GTI_S3_BUCKET": "b"})["default"]["OPTIONS"]
    assert "access_key" not in bare and "endpoint_url" not in bare


@pytest.mark.parametrize(
    ("environ", "message"),
    [({"GTI_STORAGE": "s3"}, "GTI_S3_BUCKET"), ({"GTI_STORAGE": "ftp"}, "local or s3")],
)
def test_a_wrong_storage_configuration_stops_the_start(environ, message):
    with pytest.raises(ValueError, match=message):
        storages(environ)
