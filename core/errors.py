"""Exceptions services raise, whoever calls them (pages, the API, commands)."""


class Conflict(Exception):
    """A concurrent writer came first: the database refused this write on a unique or
    check constraint the service expected it might (a name taken meanwhile, say), and
    nothing was changed. Reloading and trying again is the way out.

    Services raise it only for constraints they know; any other ``IntegrityError`` is a
    bug and stays one. The API answers it 409 (``core.api.errors``).
    """

    default_message = "The change conflicts with stored data; reload and try again."

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(self.message)
