"""Where uploaded files live, from the environment (``STORAGES["default"]`` in config.settings).

Every read and write of an uploaded file goes through Django's storage API
(``default_storage``, the image fields' ``FieldFile``), never a path under MEDIA_ROOT,
so the place is this one setting (docs/architecture.md, "Uploads" and "Deployment"):

- ``STORAGE_BACKEND=filesystem`` (the default): the local disk under ``MEDIA_ROOT``. One
  host, or a volume every host mounts at the same path (NFS, CephFS...).
- ``STORAGE_BACKEND=s3`` (the default as soon as ``S3_BUCKET`` is set): an S3-compatible
  object store through django-storages (AWS S3, MinIO, Ceph RGW, Garage, a hosting
  provider's object storage). ``S3_BUCKET``; ``S3_ENDPOINT_URL`` for anything but AWS;
  ``S3_REGION``; ``S3_ACCESS_KEY_ID`` and ``S3_SECRET_ACCESS_KEY`` (unset: django-storages
  and boto3 read ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` or an instance role);
  ``S3_PREFIX`` (a folder in a shared bucket); ``S3_CUSTOM_DOMAIN`` (a CDN or a public
  host name in front of the bucket). The images are public (banners, speakers, sponsors),
  so their URLs are plain, unsigned: the bucket (or its CDN) must let anyone read them.
  Browsers load them from the store, so its origin joins the CSP's ``img-src``.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

FILESYSTEM = {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def default_storage_from_env(env):
    """``(STORAGES["default"], the origins its URLs point at)`` for the environment ``env``."""
    bucket = env.str("S3_BUCKET", default="")
    backend = env.str("STORAGE_BACKEND", default="s3" if bucket else "filesystem")
    if backend == "filesystem":
        return FILESYSTEM, []
    if backend != "s3":
        raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'filesystem' or 's3', not {backend!r}")
    if not bucket:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs S3_BUCKET")
    given = {
        "endpoint_url": env.str("S3_ENDPOINT_URL", default=""),
        "region_name": env.str("S3_REGION", default=""),
        "access_key": env.str("S3_ACCESS_KEY_ID", default=""),
        "secret_key": env.str("S3_SECRET_ACCESS_KEY", default=""),
        "location": env.str("S3_PREFIX", default="").strip("/"),
        "custom_domain": env.str("S3_CUSTOM_DOMAIN", default="").strip("/"),
    }
    options = {
        "bucket_name": bucket,
        **{name: value for name, value in given.items() if value},
        "querystring_auth": False,  # public images: plain URLs, the same in every page and cache
        "file_overwrite": False,  # a name in use gets another (get_available_name), as on disk
        "default_acl": None,  # the bucket's policy decides who reads
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}, _origins(bucket, given)


def _origins(bucket, given):
    """The origins of the URLs S3Storage.url() makes: the custom domain, else the endpoint
    (path-style URLs), else AWS's host for the bucket (global and regional)."""
    if given["custom_domain"]:
        return [f"https://{given['custom_domain']}"]
    if given["endpoint_url"]:
        endpoint = urlsplit(given["endpoint_url"])
        return [f"{endpoint.scheme}://{endpoint.netloc}"]
    origins = [f"https://{bucket}.s3.amazonaws.com"]
    if given["region_name"]:
        origins.append(f"https://{bucket}.s3.{given['region_name']}.amazonaws.com")
    return origins
