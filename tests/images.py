"""Images made in memory for tests, and what is on the disk under MEDIA_ROOT."""

import base64
import io
import struct
import zlib

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


def media_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) if root.exists() else []
