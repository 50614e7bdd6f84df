"""``/api/v1/auth/token/``: trade an e-mail address and password for an API token, or revoke it.

Requests then authenticate with ``Authorization: Token <key>`` (or a session cookie,
with CSRF). Tokens are stored hashed (``accounts.tokens``), so a key is in one answer
only: each ``POST`` makes a new token (one per device; at most ``ApiToken.MAX_PER_USER``,
the oldest revoked beyond). ``DELETE`` with a token revokes that token; with a session,
every token of the user.
"""

from django.contrib.auth import authenticate
from django.utils.cache import patch_cache_control
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import tokens
from accounts.models import ApiToken
from accounts.throttling import LoginRateThrottle
from core.api.etags import PrivateAnswersMixin
from core.api.schema import error_response


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})

    def validate(self, attrs):
        user = authenticate(self.context["request"]._request, username=attrs["email"], password=attrs["password"])
        if user is None:  # wrong, unknown, or inactive: the same answer
            raise serializers.ValidationError("Unable to log in with this e-mail address and password.")
        attrs["user"] = user
        return attrs


TokenSerializer = inline_serializer("Token", {"token": serializers.CharField()})


class AuthTokenView(PrivateAnswersMixin, APIView):
    """POST: e-mail and password → ``{"token": "..."}``, a new token; DELETE: revoke the
    token the request came with (with a session: all of the user's)."""

    @property
    def logging_in(self):
        return getattr(self.request, "method", None) == "POST"

    def get_authenticators(self):
        # Logging in needs no credentials (and a stale session cookie must not demand CSRF).
        return [] if self.logging_in else super().get_authenticators()

    def get_permissions(self):
        return [AllowAny()] if self.logging_in else [IsAuthenticated()]

    def get_throttles(self):
        # Password guessing: log-in attempts per client address, shared with the log-in page.
        return [LoginRateThrottle()] if self.logging_in else []

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_cache_control(response, no_store=True)  # a secret: kept by no cache at all
        return response

    @extend_schema(
        summary="Get an API token",
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            # Logging in is limited per client address (accounts.throttling).
            429: error_response("Too many log-in attempts from this address; `Retry-After` says when to retry."),
        },
        auth=[],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        _, key = tokens.issue_token(serializer.validated_data["user"])
        return Response({"token": key})

    @extend_schema(
        summary="Revoke my API token",
        description="With a token: revokes that token. With a session: revokes every token of the user.",
        request=None,
        responses={204: None},
    )
    def delete(self, request):
        if isinstance(request.auth, ApiToken):
            tokens.revoke_token(request.auth, actor=request.user)
        else:
            tokens.revoke_tokens(request.user, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
