"""Standard Webhooks signatures (standardwebhooks.com).

Headers: ``webhook-id`` (the message id, the same on every retry), ``webhook-timestamp`` (Unix seconds of
the attempt) and ``webhook-signature: v1,<base64 HMAC-SHA256>`` over ``"{id}.{timestamp}.{body}"``, keyed by
the base64-decoded part of the ``whsec_…`` secret. Receivers verify with any Standard Webhooks library.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` secret; raises ``ValueError`` for a malformed one."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except binascii.Error as exc:
        raise ValueError("the part after whsec_ must be base64") from exc
    if not 24 <= len(key) <= 64:
        raise ValueError("a webhook secret holds 24 to 64 random bytes")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers_for(secrets: str | list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Headers of one attempt. During a secret rotation's overlap there are two secrets and the header
    carries both signatures, space-separated, as Standard Webhooks allows: receivers holding either
    secret accept the message."""
    keys = [secrets] if isinstance(secrets, str) else secrets
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(secret, msg_id, timestamp, body) for secret in keys),
        "content-type": "application/json",
        "user-agent": "cg-budget-webhooks/1",
    }


def verify(secret: str, headers: dict[str, str], body: bytes, *, now: int, tolerance_s: int = 300) -> bool:
    """Receiver-side check (used by our tests and documented for borough IT)."""
    msg_id = headers.get("webhook-id", "")
    try:
        timestamp = int(headers.get("webhook-timestamp", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = sign(secret, msg_id, timestamp, body).split(",", 1)[1]
    for candidate in headers.get("webhook-signature", "").split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False
