"""Settings validation and JWT verification (HS256 dev, RS256 via JWKS)."""

from __future__ import annotations

import http.server
import json
import threading
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from cg_shared.auth import Principal, Role, TokenVerifier, mint_dev_token
from cg_shared.http import Unauthorized
from cg_shared.settings import DEFAULT_DEV_SECRET, DEV_AUDIENCE, DEV_ISSUER, AuthMode, ServiceSettings


def test_defaults_give_sqlite_under_data_dir(tmp_path) -> None:
    s = ServiceSettings(service_name="registry", data_dir=tmp_path)
    assert s.database_url == f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
    assert s.is_sqlite and s.dlq_topic == "cg.dlq.registry" and s.consumer_group == "cg-registry"


def test_cors_origins_split_from_env(monkeypatch) -> None:
    monkeypatch.setenv("CG_CORS_ORIGINS", "https://a.example, https://b.example")
    assert ServiceSettings().cors_origins == ["https://a.example", "https://b.example"]


def test_production_requires_jwks_and_postgres() -> None:
    with pytest.raises(ValidationError) as err:
        ServiceSettings(env="prod")
    assert "CG_JWKS_URL" in str(err.value)
    with pytest.raises(ValidationError, match="PostgreSQL"):
        ServiceSettings(
            env="prod",
            auth_mode="jwks",
            jwks_url="https://idp.example/jwks",
            jwt_issuer="i",
            jwt_audience="a",
            database_url="sqlite+aiosqlite:///x.db",
        )
    ok = ServiceSettings(
        env="prod",
        auth_mode="jwks",
        jwks_url="https://idp.example/jwks",
        jwt_issuer="i",
        jwt_audience="a",
        database_url="postgresql+asyncpg://u@h/db",
    )
    assert ok.auth_mode is AuthMode.JWKS
    assert {"CG_DATABASE_URL", "CG_JWKS_URL", "CG_ENV"} <= ServiceSettings.required_in_production()


def test_unknown_database_driver_rejected() -> None:
    with pytest.raises(ValidationError, match="database_url"):
        ServiceSettings(database_url="mysql://x")


async def test_dev_token_roundtrip_and_failures() -> None:
    verifier = TokenVerifier(ServiceSettings())
    token = mint_dev_token(secret=DEFAULT_DEV_SECRET, role="borough_officer", sgg_code="11200")
    principal = await verifier.verify(token)
    assert principal == Principal(
        sub="dev-borough_officer-11200", role=Role.BOROUGH_OFFICER, sgg_code="11200"
    )
    assert principal.can_act_for("11200") and not principal.can_act_for("11500")

    expired = mint_dev_token(secret=DEFAULT_DEV_SECRET, role="resident", now=time.time() - 7200, ttl_s=60)
    with pytest.raises(Unauthorized, match="expired"):
        await verifier.verify(expired)
    forged = mint_dev_token(secret="another-secret-another-secret-1234", role="smg_admin")
    with pytest.raises(Unauthorized, match="invalid"):
        await verifier.verify(forged)
    claims = {"sub": "x", "role": "borough_officer", "exp": int(time.time()) + 60}
    dev = {"iss": DEV_ISSUER, "aud": DEV_AUDIENCE}
    no_borough = jwt.encode({**claims, **dev}, DEFAULT_DEV_SECRET, "HS256")
    with pytest.raises(Unauthorized, match="sgg_code"):
        await verifier.verify(no_borough)


async def test_dev_tokens_are_checked_for_issuer_and_audience() -> None:
    # Same secret, but minted for something else (or for nothing in particular): refused.
    claims = {"sub": "x", "role": "smg_admin", "exp": int(time.time()) + 60}
    verifier = TokenVerifier(ServiceSettings())
    for other, match in (
        ({}, "iss"),
        ({"iss": DEV_ISSUER}, "aud"),
        ({"iss": "someone-else", "aud": DEV_AUDIENCE}, "(?i)issuer"),
        ({"iss": DEV_ISSUER, "aud": "another-app"}, "(?i)audience"),
    ):
        with pytest.raises(Unauthorized, match=match):
            await verifier.verify(jwt.encode({**claims, **other}, DEFAULT_DEV_SECRET, "HS256"))
    # Configured values replace the defaults, for minting and checking alike.
    custom = TokenVerifier(ServiceSettings(jwt_issuer="https://idp.dev", jwt_audience="cg-dev"))
    token = mint_dev_token(
        secret=DEFAULT_DEV_SECRET, role="smg_admin", issuer="https://idp.dev", audience="cg-dev"
    )
    assert (await custom.verify(token)).role is Role.SMG_ADMIN
    with pytest.raises(Unauthorized):
        await custom.verify(mint_dev_token(secret=DEFAULT_DEV_SECRET, role="smg_admin"))


async def test_rs256_tokens_verified_against_jwks(tmp_path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": "k1", "use": "sig", "alg": "RS256"})
    body = json.dumps({"keys": [jwk]}).encode()

    class JwksHandler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), JwksHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = ServiceSettings(
        auth_mode="jwks",
        jwks_url=f"http://127.0.0.1:{server.server_port}/jwks.json",
        jwt_issuer="https://idp.seoul",
        jwt_audience="cg",
    )
    verifier = TokenVerifier(settings)
    claims = {
        "sub": "u1",
        "role": "committee_secretary",
        "sgg_code": "11200",
        "iss": "https://idp.seoul",
        "aud": "cg",
        "exp": int(time.time()) + 300,
    }
    good = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
    assert (await verifier.verify(good)).role is Role.COMMITTEE_SECRETARY
    wrong_aud = jwt.encode({**claims, "aud": "other"}, key, algorithm="RS256", headers={"kid": "k1"})
    with pytest.raises(Unauthorized):
        await verifier.verify(wrong_aud)
    hs = mint_dev_token(secret=DEFAULT_DEV_SECRET, role="smg_admin")
    with pytest.raises(Unauthorized):
        await verifier.verify(hs)  # a dev token is never accepted in JWKS mode
    server.shutdown()


def test_outbox_window_and_retention_from_env(monkeypatch) -> None:
    monkeypatch.setenv("CG_RELAY_REQUEUE_WINDOW_S", "900")
    monkeypatch.setenv("CG_OUTBOX_RETENTION_S", "0")
    s = ServiceSettings()
    assert s.relay_requeue_window_s == 900 and s.outbox_retention_s == 0
    monkeypatch.setenv("CG_OUTBOX_RETENTION_S", "-1")
    with pytest.raises(ValidationError, match="outbox_retention_s"):
        ServiceSettings()
