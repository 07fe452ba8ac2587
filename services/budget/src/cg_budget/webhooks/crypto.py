"""Webhook signing secrets encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256, from ``cryptography``).

The keys come from the environment, ``CG_WEBHOOK_SECRET_KEYS``: comma-separated Fernet keys
(``python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``). The first
encrypts, every one decrypts, so the key is rotated by putting a new key first, running
``cg-budget reencrypt-webhook-secrets`` and then dropping the old key (deploy/README.md). Stored values
carry a ``fernet:`` prefix; a database dump without the key holds no usable secret.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = "fernet:"

# Development only (CG_ENV=dev without CG_WEBHOOK_SECRET_KEYS): a published key protects nothing, which is
# why production refuses to start without its own (BudgetSettings).
DEV_KEY = "Y2ctZGV2LXdlYmhvb2stc2VjcmV0LWtleS0tLTAwMDA="


class SecretBox:
    """Encrypts and decrypts webhook secrets with the configured key ring."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one Fernet key is needed")
        self._ring = MultiFernet([Fernet(k.encode()) for k in keys])

    def seal(self, secret: str) -> str:
        return PREFIX + self._ring.encrypt(secret.encode()).decode()

    def open(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            raise ValueError("webhook secret is not encrypted (run the budget migrations)")
        try:
            return self._ring.decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken as exc:
            raise ValueError(
                "webhook secret does not decrypt with any key of CG_WEBHOOK_SECRET_KEYS"
            ) from exc

    def rotate(self, stored: str) -> str:
        """Re-encrypt with the first key (after a new key was put first)."""
        return PREFIX + self._ring.rotate(stored[len(PREFIX) :].encode()).decode()


def parse_keys(value: str) -> list[str]:
    keys = [k.strip() for k in value.split(",") if k.strip()]
    for key in keys:
        Fernet(key.encode())  # raises ValueError for a malformed key
    return keys
