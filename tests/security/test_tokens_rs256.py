"""Production tokens: RS256 checked with the identity provider's public key (a PEM, or a JWKS whose
keys are chosen by `kid`), `iss` and `aud` enforced, expiry with a small leeway, and the classic
forgeries refused (an HS256 token keyed with the public key's bytes, `alg: none`). Keys are generated
here with `cryptography`; requests go through the in-process Flask test client."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask.testing import FlaskClient
from support.api import app_config
from support.security import ALICE

from aptichat.secrets import UnsafeConfiguration, secret_value
from aptichat.settings import Settings
from aptichat_api.auth import LEEWAY_S, create_token

ISSUER = "https://id.test-product.example"
AUDIENCE = "aptichat"


def _keypair() -> tuple[str, str]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


@pytest.fixture(scope="module")
def keys() -> dict[str, tuple[str, str]]:
    """Two key pairs of the provider (k1, k2: a rotation) and one of nobody we trust."""
    return {"k1": _keypair(), "k2": _keypair(), "stranger": _keypair()}


def _jwk(public_pem: str, kid: str) -> dict[str, Any]:
    key = serialization.load_pem_public_key(public_pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    jwk: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(key, as_dict=True)
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}


def _write_jwks(path: Path, keys: dict[str, tuple[str, str]], kids: list[str]) -> None:
    path.write_text(json.dumps({"keys": [_jwk(keys[kid][1], kid) for kid in kids]}))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forged(header: dict[str, Any], claims: dict[str, Any], hmac_key: bytes | None) -> str:
    """A token assembled by hand, as an attacker would: PyJWT refuses to sign these."""
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    signature = _b64(hmac.new(hmac_key, signing_input.encode(), hashlib.sha256).digest()) if hmac_key else ""
    return f"{signing_input}.{signature}"


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {"sub": ALICE, "role": "user", "iat": now, "exp": now + 600}
    claims |= {"iss": ISSUER, "aud": AUDIENCE}
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def _rs256(private_pem: str, kid: str | None = None, **changes: Any) -> str:
    return jwt.encode(_claims(**changes), private_pem, algorithm="RS256", headers={"kid": kid} if kid else None)


def _client(settings: Settings, **changes: Any) -> FlaskClient:
    from aptichat_api.app import create_app

    return create_app(app_config(settings.model_copy(update=changes))).test_client()


def _status(client: FlaskClient, token: str) -> tuple[int, str | None]:
    r = client.get("/chat/history", headers={"Authorization": f"Bearer {token}"})
    return r.status_code, (r.get_json() or {}).get("error", {}).get("code")


@pytest.fixture(scope="module")
def pem_client(settings: Settings, security_people: dict[str, str], keys: dict[str, tuple[str, str]]) -> FlaskClient:
    return _client(settings, jwt_public_key=keys["k1"][1], jwt_issuer=ISSUER, jwt_audience=AUDIENCE)


@pytest.fixture(scope="module")
def jwks_file(tmp_path_factory: pytest.TempPathFactory, keys: dict[str, tuple[str, str]]) -> Path:
    path = tmp_path_factory.mktemp("idp") / "jwks.json"
    _write_jwks(path, keys, ["k1", "k2"])
    return path


@pytest.fixture(scope="module")
def jwks_client(settings: Settings, security_people: dict[str, str], jwks_file: Path) -> FlaskClient:
    return _client(settings, jwt_public_key=str(jwks_file), jwt_issuer=ISSUER, jwt_audience=AUDIENCE)


def test_a_token_signed_by_the_provider_is_accepted_with_a_pem_inline_or_in_a_file(
    settings: Settings, security_people: dict[str, str], keys: dict[str, tuple[str, str]], tmp_path: Path
) -> None:
    private, public = keys["k1"]
    pem_file = tmp_path / "idp.pem"
    pem_file.write_text(public)
    for key in (public, str(pem_file)):
        client = _client(settings, jwt_public_key=key, jwt_issuer=ISSUER, jwt_audience=AUDIENCE)
        assert _status(client, _rs256(private)) == (200, None)
        assert _status(client, _rs256(keys["stranger"][0])) == (401, "invalid_token")


def test_jwks_checks_each_token_with_the_key_its_kid_names(
    jwks_client: FlaskClient, keys: dict[str, tuple[str, str]]
) -> None:
    assert _status(jwks_client, _rs256(keys["k1"][0], kid="k1")) == (200, None)
    assert _status(jwks_client, _rs256(keys["k2"][0], kid="k2")) == (200, None)  # both keys at once: rotation
    # signed by one known key but naming the other: checked with the named key, so refused
    assert _status(jwks_client, _rs256(keys["k2"][0], kid="k1")) == (401, "invalid_token")
    assert _status(jwks_client, _rs256(keys["stranger"][0], kid="k3")) == (401, "invalid_token")  # unknown kid
    assert _status(jwks_client, _rs256(keys["k1"][0])) == (401, "invalid_token")  # no kid at all


def test_a_rotated_jwks_file_takes_effect_without_a_restart(
    settings: Settings, security_people: dict[str, str], keys: dict[str, tuple[str, str]], tmp_path: Path
) -> None:
    path = tmp_path / "jwks.json"
    _write_jwks(path, keys, ["k1"])
    client = _client(settings, jwt_public_key=str(path), jwt_issuer=ISSUER, jwt_audience=AUDIENCE)
    token_k2 = _rs256(keys["k2"][0], kid="k2")
    assert _status(client, token_k2) == (401, "invalid_token")
    _write_jwks(path, keys, ["k1", "k2"])
    later = time.time() + 5
    os.utime(path, (later, later))  # a distinct mtime even on a coarse clock
    assert _status(client, token_k2) == (200, None)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"iss": "https://evil.example"}, "invalid_token"),
        ({"iss": None}, "invalid_token"),
        ({"aud": "another-service"}, "invalid_token"),
        ({"aud": None}, "invalid_token"),
        ({"exp": None}, "invalid_token"),
        ({"exp": int(time.time()) - LEEWAY_S - 30}, "token_expired"),
    ],
    ids=["wrong-iss", "no-iss", "wrong-aud", "no-aud", "no-exp", "expired-beyond-leeway"],
)
def test_issuer_audience_and_expiry_are_enforced(
    pem_client: FlaskClient, keys: dict[str, tuple[str, str]], changes: dict[str, Any], code: str
) -> None:
    assert _status(pem_client, _rs256(keys["k1"][0], **changes)) == (401, code)


def test_expiry_has_a_small_leeway_for_clock_skew(pem_client: FlaskClient, keys: dict[str, tuple[str, str]]) -> None:
    assert 0 < LEEWAY_S <= 30
    assert _status(pem_client, _rs256(keys["k1"][0], exp=int(time.time()) - 1)) == (200, None)


def test_hs256_signed_with_the_public_key_is_refused(
    pem_client: FlaskClient, jwks_client: FlaskClient, keys: dict[str, tuple[str, str]]
) -> None:
    """Algorithm confusion: a verifier that let the token pick HS256 would use the public key (which
    anyone can have) as the HMAC secret."""
    public = keys["k1"][1].encode()
    for header in ({"alg": "HS256", "typ": "JWT"}, {"alg": "HS256", "typ": "JWT", "kid": "k1"}):
        for secret in (public, public.strip()):
            assert _status(pem_client, _forged(header, _claims(), secret)) == (401, "invalid_token")
            assert _status(jwks_client, _forged(header, _claims(), secret)) == (401, "invalid_token")


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_is_refused(pem_client: FlaskClient, jwks_client: FlaskClient, alg: str) -> None:
    for header in ({"alg": alg, "typ": "JWT"}, {"alg": alg, "typ": "JWT", "kid": "k1"}):
        assert _status(pem_client, _forged(header, _claims(), None)) == (401, "invalid_token")
        assert _status(jwks_client, _forged(header, _claims(), None)) == (401, "invalid_token")


def test_the_install_secret_signs_nothing_in_rs256_mode(pem_client: FlaskClient, settings: Settings) -> None:
    hs256 = jwt.encode(_claims(), secret_value(settings, "jwt_secret"), algorithm="HS256")
    assert _status(pem_client, hs256) == (401, "invalid_token")


def test_an_rs256_token_is_refused_in_hs256_mode(
    settings: Settings, security_people: dict[str, str], keys: dict[str, tuple[str, str]]
) -> None:
    client = _client(settings)
    assert _status(client, create_token(settings, ALICE)) == (200, None)
    assert _status(client, _rs256(keys["k1"][0], iss=None, aud=None)) == (401, "invalid_token")


def test_tokens_we_sign_carry_kid_issuer_and_audience(
    jwks_client: FlaskClient, settings: Settings, keys: dict[str, tuple[str, str]]
) -> None:
    idp = settings.model_copy(update={"jwt_issuer": ISSUER, "jwt_audience": AUDIENCE})
    token = create_token(idp, ALICE, private_key=keys["k2"][0], kid="k2")
    assert jwt.get_unverified_header(token)["kid"] == "k2"
    assert _status(jwks_client, token) == (200, None)
    # HS256 tokens of an install with an issuer and audience carry them and are checked for them
    hs_client = _client(idp)
    assert _status(hs_client, create_token(idp, ALICE)) == (200, None)
    assert _status(hs_client, create_token(settings, ALICE)) == (401, "invalid_token")


def test_rs256_against_a_configured_database_needs_issuer_audience_and_a_real_key(
    settings: Settings, keys: dict[str, tuple[str, str]], tmp_path: Path
) -> None:
    from aptichat.db.server import app_url
    from aptichat_api.app import create_app

    configured = settings.model_copy(
        update={
            "database_url": app_url(settings),
            "service_api_key": _strong(),
            "log_user_salt": _strong().get_secret_value(),
            "jwt_public_key": keys["k1"][1],
        }
    )
    with pytest.raises(UnsafeConfiguration, match=r"APTICHAT_JWT_ISSUER.*APTICHAT_JWT_AUDIENCE"):
        create_app(app_config(configured))
    complete = configured.model_copy(update={"jwt_issuer": ISSUER, "jwt_audience": AUDIENCE})
    create_app(app_config(complete))  # no HS256 secret needed in RS256 mode
    garbage = tmp_path / "not-a-key.pem"
    garbage.write_text("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n")
    for bad in (str(garbage), str(tmp_path / "missing.pem"), '{"keys": []}', "-----BEGIN nothing"):
        with pytest.raises(UnsafeConfiguration, match="APTICHAT_JWT_PUBLIC_KEY"):
            create_app(app_config(complete.model_copy(update={"jwt_public_key": bad})))


def _strong() -> Any:
    from pydantic import SecretStr

    return SecretStr(base64.urlsafe_b64encode(os.urandom(40)).decode())
