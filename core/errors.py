"""Exceptions services raise, whoever calls them (pages, the API, commands)."""


class Conflict(Exception):
    """A concurrent writer came first: the database refused this write on a unique or
    check constraint the service expected it might (a name taken meanwhile, say), and
    nothing was changed. Reloading and trying again is the way out.

    Services raise it only for constraints they know; any other ``IntegrityError`` is a
    bug and stays one. Subclasses name the conflict (``tickets.services.ConcurrentChange``,
    ``orders.services.NotEnoughLeft``, ...). It is no ``ValidationError``: the input was
    fine, the stored data moved. The one mapping to 409 of the API is
    ``core.api.errors.exception_handler``; of the pages, ``core.views.refusal_status``
    (a form shown again with the message) and ``core.middleware.ConflictMiddleware``
    (a conflict no view caught).
    """

    default_message = "The change conflicts with stored data; reload and try again."
    #: The API's ``code`` of the 409 (``core.api.errors``).
    code = "conflict"

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(self.message)

    @property
    def messages(self):
        """The message as a list, as a ``ValidationError`` holds its messages (forms show it)."""
        return [self.message]
