"""``Authorization: Token <key>`` for the API, against hashed tokens (``accounts.tokens``).

DRF's ``TokenAuthentication`` with the lookup replaced: the header, the ``Token`` keyword
(named in ``WWW-Authenticate``, which makes "not logged in" a 401) and the answers stay
as they were. ``request.auth`` is the ``ApiToken`` used, so ``DELETE
/api/v1/auth/token/`` revokes that one.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from accounts.tokens import token_for_key


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        token = token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
