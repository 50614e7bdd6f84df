"""Background images: decode what the browser sent, check it is a safe image, re-encode it.

Pure functions, no database and no storage: ``events.services.set_background_image``
stores the result. Every refusal is an ``InvalidImage`` whose message can be shown to the
person who uploaded the file.

What is checked, in order, before Pillow decodes a single pixel:

1. the encoded payload and the decoded bytes are within ``max_bytes``;
2. the bytes start like a PNG, JPEG or WebP file (the name and the declared type are
   ignored, so an SVG or a script renamed ``.png`` never reaches a decoder);
3. the header's width, height and pixel count are within ``max_side`` / ``max_pixels``
   (Pillow's own decompression-bomb limit stays on as a second line).

Then the image is decoded in full (a truncated or damaged file fails here), turned
upright by its EXIF orientation, and written anew in its own format without any of the
original metadata (EXIF with GPS positions, ICC profiles, text chunks, XMP).
"""

import base64
import binascii
import io
import re
import secrets
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

# Format name (Pillow's) -> file extension.
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}

# Room for the multipart or form framing around the image in a request.
REQUEST_OVERHEAD = 64 * 1024

_DATA_URL = re.compile(r"^data:(?P<type>[^;,]*)(?P<params>(?:;[^;,]*)*?)(?P<base64>;base64)?,(?P<data>.*)$", re.DOTALL)
_WHITESPACE = re.compile(r"\s+")


class InvalidImage(ValueError):
    """The upload is not an image we accept; ``str(error)`` says why, for the uploader."""


@dataclass(frozen=True)
class ProcessedImage:
    content: bytes
    format: str  # "PNG", "JPEG" or "WEBP"
    width: int
    height: int

    @property
    def extension(self):
        return EXTENSIONS[self.format]

    def storage_name(self):
        """An unguessable file name: nobody finds a draft's banner by trying names."""
        return f"{secrets.token_urlsafe(24)}.{self.extension}"


def max_request_bytes(max_bytes):
    """The largest request body that can carry an image of ``max_bytes`` (as base64)."""
    return (max_bytes + 2) // 3 * 4 + REQUEST_OVERHEAD


def human_size(n):
    """``10485760`` → "10 MB", ``2000`` → "1.95 KB"."""
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"


def decode_payload(value, *, max_bytes):
    """Bytes from a data URL (``data:image/png;base64,...``) or bare base64 text."""
    value = value.strip()
    if not value:
        raise InvalidImage("The image is empty.")
    if value[:5].lower() == "data:":
        match = _DATA_URL.match(value)
        if match is None:
            raise InvalidImage("The data URL is malformed.")
        if not match["base64"]:
            raise InvalidImage("The data URL is not base64-encoded.")
        value = match["data"]
    value = _WHITESPACE.sub("", value)
    # Checked before decoding, so an oversized payload is never decoded.
    if len(value) // 4 * 3 > max_bytes + 2:
        raise InvalidImage(f"The image is larger than {human_size(max_bytes)}.")
    try:
        data = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidImage("The image data is not valid base64.") from None
    if not data:
        raise InvalidImage("The image is empty.")
    if len(data) > max_bytes:
        raise InvalidImage(f"The image is larger than {human_size(max_bytes)}.")
    return data


def detect_format(data):
    """Pillow's name of the format, from the file's first bytes; refuses everything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data.startswith((b"GIF87a", b"GIF89a")):
        raise InvalidImage("GIF images are not accepted; use a PNG, JPEG or WebP image.")
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml", b"<!doctype svg")) or b"<svg" in head:
        raise InvalidImage("SVG images are not accepted; use a PNG, JPEG or WebP image.")
    raise InvalidImage("This is not a PNG, JPEG or WebP image.")


def check_dimensions(width, height, *, max_side, max_pixels):
    if width < 1 or height < 1:
        raise InvalidImage("The image has no pixels.")
    if width > max_side or height > max_side:
        raise InvalidImage(f"The image is {width}×{height} pixels; each side may be at most {max_side} pixels.")
    if width * height > max_pixels:
        raise InvalidImage(
            f"The image is {width}×{height} pixels; at most {max_pixels / 1_000_000:g} million pixels are allowed."
        )


def process_image(data, *, max_bytes, max_side, max_pixels):
    """Check ``data`` (the bytes of a file) and return it re-encoded as a ``ProcessedImage``."""
    if not data:
        raise InvalidImage("The image is empty.")
    if len(data) > max_bytes:
        raise InvalidImage(f"The image is larger than {human_size(max_bytes)}.")
    image_format = detect_format(data)
    try:
        with Image.open(io.BytesIO(data), formats=[image_format]) as source:
            check_dimensions(*source.size, max_side=max_side, max_pixels=max_pixels)
            source.load()  # decodes every pixel: truncated or damaged data fails here
            image = ImageOps.exif_transpose(source)
    except InvalidImage:
        raise
    except Image.DecompressionBombError:
        # Pillow's own limit, met before ours when the header claims enormous sizes.
        raise InvalidImage(
            f"The image has too many pixels; at most {max_pixels / 1_000_000:g} million pixels are allowed."
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, UnidentifiedImageError, Image.DecompressionBombWarning):
        raise InvalidImage("The image is damaged or incomplete and cannot be read.") from None
    return _encode(image, image_format)


def _encode(image, image_format):
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image.info = {}  # nothing of the original's metadata is written back
    if image_format == "JPEG":
        image = image if image.mode in ("RGB", "L") else image.convert("RGB")
        options = {"quality": 88, "optimize": True}
    elif image_format == "PNG":
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA" if has_alpha else "RGB")
        options = {"optimize": False}
    else:  # WEBP
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if has_alpha else "RGB")
        options = {"quality": 85, "method": 4}
    image.info = {}
    out = io.BytesIO()
    image.save(out, image_format, **options)
    return ProcessedImage(content=out.getvalue(), format=image_format, width=image.width, height=image.height)
