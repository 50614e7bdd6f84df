"""Images made in memory for tests, and what the storage holds (read through its API:
the tests keep uploads in memory, tests/conftest.py)."""

import base64
import io
import posixpath
import struct
import zlib

from botocore.exceptions import EndpointConnectionError
from django.core.files.storage import InMemoryStorage, default_storage
from PIL import Image


def image_bytes(image_format="PNG", size=(64, 32), mode="RGB", color=(200, 40, 40), **options):
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, image_format, **options)
    return out.getvalue()


def exif_with_orientation(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "Camera Maker"  # Make
    exif[0x8825] = {2: (52.0, 31.0, 0.0)}  # GPS: latitude
    return exif.tobytes()


def huge_png(width, height):
    """A valid 1-bit PNG of the given size: a few kilobytes that decode to width × height pixels."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    rows_at_once = max(1, 4_000_000 // len(row))
    parts = []
    for start in range(0, height, rows_at_once):
        parts.append(compressor.compress(row * min(rows_at_once, height - start)))
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


def data_url(data, mime="image/png"):
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def stored_files(storage=default_storage):
    """The names of every file in ``storage`` (the default one), sorted."""
    names, folders = [], [""]
    while folders:
        folder = folders.pop()
        try:
            subfolders, files = storage.listdir(folder)
        except FileNotFoundError:  # a folder on disk not made yet
            continue
        names += [posixpath.join(folder, name) for name in files]
        folders += [posixpath.join(folder, name) for name in subfolders]
    return sorted(names)


def open_stored_image(field_file):
    """The stored image of an image field (``event.background_image``...), opened by Pillow."""
    with field_file.open("rb") as stored:
        return Image.open(io.BytesIO(stored.read()))


class DeletesOutOfReach(InMemoryStorage):
    """A store that keeps files but is out of reach when asked to delete one, as an S3
    endpoint that stops answering (``STORAGES["default"]["BACKEND"] = "tests.images.DeletesOutOfReach"``)."""

    def delete(self, name):
        raise EndpointConnectionError(endpoint_url="https://objects.example.net")
