"""The API reads JSON bodies only (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``), at most
``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes and ``MAX_JSON_DEPTH`` levels deep."""

from rest_framework import exceptions, parsers

#: Deepest nesting of a JSON body (our bodies nest two deep: an object holding a list).
MAX_JSON_DEPTH = 20


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing (400) a body nested deeper than ``MAX_JSON_DEPTH``.

    Python's decoder recurses once per level: a few KB of ``[`` exhaust its stack
    (``RecursionError``, which DRF would let through as a 500).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            too_deep = nesting_exceeds(data, MAX_JSON_DEPTH)
        except RecursionError:
            too_deep = True
        if too_deep:
            raise exceptions.ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.")
        return data


def nesting_exceeds(data, limit):
    """Whether lists and objects in ``data`` nest deeper than ``limit`` (without recursing)."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        if depth > limit:
            return True
        pending.extend((item, depth + 1) for item in value)
    return False
