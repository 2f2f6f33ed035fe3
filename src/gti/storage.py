"""Where uploaded files are kept, from the environment (pure, so a test can build it).

The local file system under MEDIA_ROOT by default; `GTI_STORAGE=s3` keeps them in an
S3-compatible store through django-storages (the optional extra `s3`). Files are never public:
the pages and API serve them after the dossier's permission check, so the bucket stays private
and no public address is made.
"""

from __future__ import annotations

STATIC = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}


def storages(environ) -> dict:
    kind = environ.get("GTI_STORAGE", "local").strip().lower() or "local"
    if kind == "local":
        default = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    elif kind == "s3":
        bucket = environ.get("GTI_S3_BUCKET", "").strip()
        if not bucket:
            raise ValueError("GTI_STORAGE=s3 needs GTI_S3_BUCKET")
        options = {
            "bucket_name": bucket,
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        }
        if environ.get("GTI_S3_ENDPOINT_URL"):
            options["endpoint_url"] = environ["GTI_S3_ENDPOINT_URL"]
        if environ.get("GTI_S3_REGION"):
            options["region_name"] = environ["GTI_S3_REGION"]
        # Keys from the environment; without them boto3's own chain (AWS_*, a role) applies.
        if environ.get("GTI_S3_ACCESS_KEY_ID"):
            options["access_key"] = environ["GTI_S3_ACCESS_KEY_ID"]
            options["secret_key"] = environ.get("GTI_S3_SECRET_ACCESS_KEY", "")
        default = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    else:
        raise ValueError(f"GTI_STORAGE must be local or s3, not {kind!r}")
    return {"default": default, "staticfiles": STATIC}
