from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet

from handoff import Cipher
from handoff.crypto import SEALED, KeyError_

# Both kinds of value: Fernet (`encrypt`) and AES-256-GCM (`seal`, conversation states).
KINDS = pytest.mark.parametrize("kind", ["encrypt", "seal"])


@KINDS
def test_equal_values_give_different_ciphertexts_and_decrypt(kind):
    cipher = Cipher([Fernet.generate_key().decode()])
    write = getattr(cipher, kind)
    a, b = write("Zoé 06 12 34 56 78"), write("Zoé 06 12 34 56 78")
    assert a != b
    # Neither the text nor the bytes under its encoding carry the plaintext. (The first version
    # looked for "Zo" in the base64 text, which chance puts there about one time in thirty.)
    for token in (a, b):
        raw = base64.urlsafe_b64decode(token.removeprefix(SEALED) + "==")
        assert "06 12" not in token and "Zoé" not in token
        assert "Zoé".encode() not in raw and b"06 12" not in raw and b"56 78" not in raw
    assert cipher.decrypt(a) == cipher.decrypt(b) == "Zoé 06 12 34 56 78"


@KINDS
def test_key_rotation_reads_old_values_and_rewrites_them_with_the_new_key(kind):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = getattr(Cipher([old]), kind)("secret")
    both = Cipher([new, old])
    assert both.decrypt(token) == "secret"
    rotated = both.rotate(token)
    assert rotated[:3] == token[:3]  # a sealed value stays sealed
    assert Cipher([new]).decrypt(rotated) == "secret"
    with pytest.raises(KeyError_):
        Cipher([new]).decrypt(token)


@KINDS
def test_a_tampered_or_cut_value_is_refused(kind):
    cipher = Cipher([Fernet.generate_key().decode()])
    token = getattr(cipher, kind)("secret")
    for bad in (token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"), token[:20]):
        with pytest.raises(KeyError_):
            cipher.decrypt(bad)


def test_embedded_default_key_is_generated_once_with_a_warning(tmp_path, caplog):
    first = Cipher.from_config(None, tmp_path)
    token = first.encrypt("x")
    assert "generated an encryption key" in caplog.text
    assert (tmp_path / "handoff.key").stat().st_mode & 0o777 == 0o600
    assert Cipher.from_config(None, tmp_path).decrypt(token) == "x"


def test_a_bad_key_is_a_clear_error():
    with pytest.raises(KeyError_, match="not a valid Fernet key"):
        Cipher(["not-a-key"])


def test_rotating_every_stored_value_to_a_new_key(engine):
    from test_repository import MARKERS, make_case

    from handoff import CaseRepository
    from handoff.rotation import rotate_all

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    reference = CaseRepository(engine, Cipher([old])).create(make_case()).reference
    assert rotate_all(engine, Cipher([new, old])) >= 6
    assert CaseRepository(engine, Cipher([new])).get(reference).contact.name == MARKERS["name"]



@pytest.mark.parametrize("token", ["s1.", "s1.!!!", "s1.AAAA"])
def test_a_malformed_sealed_value_is_refused(token):
    with pytest.raises(KeyError_):
        Cipher([Fernet.generate_key().decode()]).decrypt(token)
