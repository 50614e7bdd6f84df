"""Uploaded images: decode what the browser sent, check it is a safe image, re-encode it.

One pipeline, ``process_image``, for every image people upload: the event's background
(``events.services.set_background_image``), a speaker's photo and a sponsor's logo (the
dashboard's forms, ``events.forms.ImageUploadField``, and the API,
``events.api.ImageDataField``). No database and no storage here: the callers store the
result. Every refusal is an ``InvalidImage`` whose message can be shown to the person who
uploaded the file.

What is checked, in order, before Pillow decodes a single pixel:

1. the encoded payload and the decoded bytes are within ``max_bytes``;
2. the bytes start like a PNG, JPEG or WebP file (the name and the declared type are
   ignored, so an SVG or a script renamed ``.png`` never reaches a decoder);
3. the header's width, height and pixel count are within ``max_side`` / ``max_pixels``
   (Pillow's own decompression-bomb limit stays on as a second line);
4. the file holds data for all those pixels (``check_complete``): Pillow would fill the
   missing rows of a truncated PNG or JPEG in, so a file of a hundred bytes could cost a
   full-size decode.

Then, holding one of the process's ``MAX_DECODES`` decode slots (a third upload waits
up to ``DECODE_WAIT`` seconds for one, then gets ``ImagesBusy``), the image is decoded in
full (a damaged file fails here), turned upright by its EXIF orientation, and written
anew in its own format without any of the original metadata (EXIF with GPS positions,
ICC profiles, text chunks, XMP) or bytes appended after the image.
"""

import base64
import binascii
import contextlib
import io
import re
import secrets
import struct
import threading
import zlib
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

# Format name (Pillow's) -> file extension.
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}

# Room for the multipart or form framing around the image in a request.
REQUEST_OVERHEAD = 64 * 1024

_DATA_URL = re.compile(r"^data:(?P<type>[^;,]*)(?P<params>(?:;[^;,]*)*?)(?P<base64>;base64)?,(?P<data>.*)$", re.DOTALL)
_WHITESPACE = re.compile(r"\s+")


class InvalidImage(ValueError):
    """The upload is not an image we accept; ``str(error)`` says why, for the uploader."""


class ImagesBusy(RuntimeError):
    """Every decode slot stayed taken for ``DECODE_WAIT`` seconds: try again later (a 503)."""

    message = "The server is busy with other images; try again in a moment."

    def __str__(self):
        return self.message


# --- how many decodes at once ------------------------------------------------------------

#: Images decoded at the same time in one process. A decode of the largest image allowed
#: (12 million pixels, RGBA) takes about 50 MB for the pixels, plus copies while it is
#: turned and re-encoded, and a CPU core for a few tenths of a second.
MAX_DECODES = 2
#: Seconds an upload waits for a free slot before it is answered 503.
DECODE_WAIT = 10


class DecodeSlots:
    """A bounded semaphore with a count of who holds and who waits (for tests and logs)."""

    def __init__(self, size):
        self.size = size
        self._semaphore = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self.active = 0
        self.waiting = 0

    @contextlib.contextmanager
    def hold(self, timeout):
        """Hold a slot for the ``with`` block; ``ImagesBusy`` if none frees up in ``timeout`` s."""
        with self._lock:
            self.waiting += 1
        try:
            acquired = self._semaphore.acquire(timeout=timeout)
        finally:
            with self._lock:
                self.waiting -= 1
        if not acquired:
            raise ImagesBusy()
        with self._lock:
            self.active += 1
        try:
            yield
        finally:
            with self._lock:
                self.active -= 1
            self._semaphore.release()


decode_slots = DecodeSlots(MAX_DECODES)


def limits():
    """The limits from the settings (``EVENTDESK_IMAGE_*``), as ``process_image`` takes them."""
    return {
        "max_bytes": settings.EVENTDESK_IMAGE_MAX_BYTES,
        "max_side": settings.EVENTDESK_IMAGE_MAX_SIDE,
        "max_pixels": settings.EVENTDESK_IMAGE_MAX_PIXELS,
    }


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


def read_upload(upload, *, max_bytes):
    """The bytes of an uploaded file (Django's ``UploadedFile``), refused unread when too large."""
    if upload.size > max_bytes:
        raise InvalidImage(f"The image is larger than {human_size(max_bytes)}.")
    upload.seek(0)
    return upload.read(max_bytes + 1)


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


DAMAGED = "The image is damaged or incomplete and cannot be read."
TRUNCATED = "The image is damaged or incomplete: the file ends before all of its pixels."


def check_complete(data, image_format):
    """Refuse a PNG or JPEG whose data cannot cover the pixels its header declares.

    Pillow decodes such files without complaint, filling in the rows that are missing:
    a 100-byte file declaring 8000×5000 pixels would cost the decode of a full image.
    A PNG's compressed pixel data must inflate to exactly the bytes its size, colour type
    and interlacing need. A JPEG's scans must each hold at least the bits the shortest
    codes of their Huffman tables need for every block they cover. (WebP files are
    refused by their decoder when they are cut short.)
    """
    if image_format == "PNG":
        _check_png(data)
    elif image_format == "JPEG":
        _check_jpeg(data)


_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
# Adam7: (first column, first row, column step, row step) of each of the seven passes.
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def _png_raw_size(width, height, bit_depth, color_type, interlaced):
    """The bytes a PNG's pixel data inflates to: each row is a filter byte and the pixels."""
    bits = _PNG_CHANNELS[color_type] * bit_depth

    def rows(w, h):
        return h * (1 + (w * bits + 7) // 8) if w and h else 0

    if not interlaced:
        return rows(width, height)
    return sum(
        rows((width - x0 + dx - 1) // dx if width > x0 else 0, (height - y0 + dy - 1) // dy if height > y0 else 0)
        for x0, y0, dx, dy in _ADAM7
    )


def _check_png(data):
    pos, header, compressed = 8, None, []
    while True:
        if pos + 8 > len(data):
            raise InvalidImage(TRUNCATED)  # no IEND: the file was cut short
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if len(body) < length:
            raise InvalidImage(TRUNCATED)
        pos += 12 + length
        if kind == b"IHDR" and len(body) == 13:
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            compressed.append(body)
        elif kind == b"IEND":
            break
    if header is None or header[3] not in _PNG_CHANNELS:
        raise InvalidImage(DAMAGED)
    width, height, bit_depth, color_type, _, _, interlace = header
    expected = _png_raw_size(width, height, bit_depth, color_type, interlace == 1)
    # Inflated a megabyte at a time and only counted, up to the size expected.
    inflater, pending, total = zlib.decompressobj(), b"".join(compressed), 0
    try:
        while pending and total < expected:
            total += len(inflater.decompress(pending, min(1 << 20, expected - total)))
            pending = inflater.unconsumed_tail
    except zlib.error:
        raise InvalidImage(DAMAGED) from None
    if total < expected:
        raise InvalidImage(TRUNCATED)


# JPEG frame types Pillow reads with Huffman coding: baseline, extended, progressive.
_JPEG_SEQUENTIAL, _JPEG_PROGRESSIVE = {0xC0, 0xC1}, {0xC2}
_JPEG_OTHER_FRAMES = {0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
# A marker in entropy-coded data: 0xFF not followed by a stuffed 0x00 or a restart marker.
_JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")


def _check_jpeg(data):
    """Walk the JPEG's segments; for each scan, compare its data with the least it can be."""
    pos, frame, progressive, tables, scans = 2, None, False, {}, 0
    try:
        while pos < len(data):
            if data[pos] != 0xFF:
                raise InvalidImage(DAMAGED)
            marker = data[pos + 1]
            if marker == 0xFF:  # fill byte
                pos += 1
                continue
            if marker == 0xD9:  # EOI
                break
            if 0xD0 <= marker <= 0xD7 or marker == 0x01:
                pos += 2
                continue
            (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
            segment = data[pos + 4 : pos + 2 + length]
            if len(segment) < length - 2 or length < 2:
                raise InvalidImage(TRUNCATED)
            pos += 2 + length
            if marker in _JPEG_OTHER_FRAMES:
                raise InvalidImage("This kind of JPEG (lossless, hierarchical or arithmetic-coded) is not accepted.")
            if marker in _JPEG_SEQUENTIAL or marker in _JPEG_PROGRESSIVE:
                frame, progressive = _jpeg_frame(segment), marker in _JPEG_PROGRESSIVE
            elif marker == 0xC4:
                _jpeg_tables(segment, tables)
            elif marker == 0xDA:
                if frame is None:
                    raise InvalidImage(DAMAGED)
                match = _JPEG_MARKER.search(data, pos)
                end = match.start() if match else len(data)
                needed = _jpeg_scan_bits(segment, frame, progressive, tables)
                if (end - pos) * 8 < needed:
                    raise InvalidImage(TRUNCATED)
                pos, scans = end, scans + 1
    except InvalidImage:
        raise
    except (struct.error, IndexError, KeyError, ValueError, ZeroDivisionError):
        raise InvalidImage(DAMAGED) from None
    if not scans:
        raise InvalidImage(TRUNCATED)


def _jpeg_frame(segment):
    height, width, count = struct.unpack(">HHB", segment[1:6])
    components = {}
    for i in range(count):
        ident, sampling = segment[6 + 3 * i], segment[7 + 3 * i]
        components[ident] = (sampling >> 4, sampling & 15)
    h_max = max(h for h, _ in components.values())
    v_max = max(v for _, v in components.values())
    return {"width": width, "height": height, "components": components, "h_max": h_max, "v_max": v_max}


def _jpeg_tables(segment, tables):
    """Each Huffman table's shortest code length, by (class, id): 1 bit at least."""
    pos = 0
    while pos < len(segment):
        kind, counts = segment[pos], segment[pos + 1 : pos + 17]
        shortest = next((n + 1 for n, count in enumerate(counts) if count), 16)
        tables[(kind >> 4, kind & 15)] = shortest
        pos += 17 + sum(counts)


def _jpeg_scan_bits(segment, frame, progressive, tables):
    """The fewest bits a scan can take: a code per block of its components, at least."""
    count = segment[0]
    selectors = [(segment[1 + 2 * i], segment[2 + 2 * i]) for i in range(count)]
    start, _, approximation = segment[1 + 2 * count], segment[2 + 2 * count], segment[3 + 2 * count]
    width, height, h_max, v_max = frame["width"], frame["height"], frame["h_max"], frame["v_max"]

    def blocks(ident):
        h, v = frame["components"][ident]
        if count > 1:  # interleaved: whole MCUs, padded
            return _ceil(width, 8 * h_max) * h * _ceil(height, 8 * v_max) * v
        return _ceil(_ceil(width * h, h_max), 8) * _ceil(_ceil(height * v, v_max), 8)

    def shortest(kind, table):
        # Without a DHT segment libjpeg uses the standard tables: count 1 bit, the least.
        return tables.get((kind, table), 1)

    if not progressive:  # every block: a DC code and at least one AC code (or end of block)
        return sum(blocks(i) * (shortest(0, t >> 4) + shortest(1, t & 15)) for i, t in selectors)
    if start == 0:  # a DC scan: a code per block, or one bit per block when refining
        return sum(blocks(i) * (shortest(0, t >> 4) if approximation >> 4 == 0 else 1) for i, t in selectors)
    return 0  # AC scans may skip whole runs of blocks


def _ceil(a, b):
    return -(-a // b)


def process_image(data, *, max_bytes=None, max_side=None, max_pixels=None):
    """Check ``data`` (the bytes of a file) and return it re-encoded as a ``ProcessedImage``.

    The limits default to the settings' (``limits()``). ``InvalidImage`` says what is
    wrong; ``ImagesBusy`` that no decode slot freed up in time.
    """
    defaults = limits()
    max_bytes = defaults["max_bytes"] if max_bytes is None else max_bytes
    max_side = defaults["max_side"] if max_side is None else max_side
    max_pixels = defaults["max_pixels"] if max_pixels is None else max_pixels
    if not data:
        raise InvalidImage("The image is empty.")
    if len(data) > max_bytes:
        raise InvalidImage(f"The image is larger than {human_size(max_bytes)}.")
    image_format = detect_format(data)
    try:
        with Image.open(io.BytesIO(data), formats=[image_format]) as source:
            check_dimensions(*source.size, max_side=max_side, max_pixels=max_pixels)
            check_complete(data, image_format)
            with decode_slots.hold(DECODE_WAIT):
                return _decode_and_encode(source, image_format)
    except (InvalidImage, ImagesBusy):
        raise
    except Image.DecompressionBombError:
        # Pillow's own limit, met before ours when the header claims enormous sizes.
        raise InvalidImage(
            f"The image has too many pixels; at most {max_pixels / 1_000_000:g} million pixels are allowed."
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, UnidentifiedImageError, Image.DecompressionBombWarning):
        raise InvalidImage(DAMAGED) from None


def _decode_and_encode(source, image_format):
    source.load()  # decodes every pixel: damaged data fails here
    return _encode(ImageOps.exif_transpose(source), image_format)


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
