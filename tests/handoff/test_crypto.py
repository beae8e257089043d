from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from handoff import Cipher
from handoff.crypto import KeyError_


def test_equal_values_give_different_ciphertexts_and_decrypt():
    cipher = Cipher([Fernet.generate_key().decode()])
    a, b = cipher.encrypt("06 12 34 56 78"), cipher.encrypt("06 12 34 56 78")
    assert a != b and "06 12" not in a
    assert cipher.decrypt(a) == cipher.decrypt(b) == "06 12 34 56 78"


def test_key_rotation_reads_old_values_and_rewrites_them_with_the_new_key():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = Cipher([old]).encrypt("secret")
    both = Cipher([new, old])
    assert both.decrypt(token) == "secret"
    rotated = both.rotate(token)
    assert Cipher([new]).decrypt(rotated) == "secret"
    with pytest.raises(KeyError_):
        Cipher([new]).decrypt(token)


def test_a_tampered_value_is_refused():
    cipher = Cipher([Fernet.generate_key().decode()])
    token = cipher.encrypt("secret")
    with pytest.raises(KeyError_):
        cipher.decrypt(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))


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
    from handoff import CaseRepository
    from handoff.rotation import rotate_all

    from test_repository import MARKERS, make_case

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    reference = CaseRepository(engine, Cipher([old])).create(make_case()).reference
    assert rotate_all(engine, Cipher([new, old])) >= 6
    assert CaseRepository(engine, Cipher([new])).get(reference).contact.name == MARKERS["name"]


def test_sealed_values_are_randomised_authenticated_and_read_by_decrypt():
    cipher = Cipher([Fernet.generate_key().decode()])
    a, b = cipher.seal("Zoé 06 12 34 56 78"), cipher.seal("Zoé 06 12 34 56 78")
    assert a != b and "06 12" not in a and "Zo" not in a
    assert cipher.decrypt(a) == cipher.decrypt(b) == "Zoé 06 12 34 56 78"
    for tampered in (a[:-4] + ("AAAA" if not a.endswith("AAAA") else "BBBB"), a[:20], a + "x", "s1.", "s1.!!!"):
        with pytest.raises(KeyError_):
            cipher.decrypt(tampered)


def test_sealed_values_follow_key_rotation():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = Cipher([old]).seal("secret")
    both = Cipher([new, old])
    assert both.decrypt(token) == "secret"
    rotated = both.rotate(token)
    assert rotated.startswith("s1.") and Cipher([new]).decrypt(rotated) == "secret"
    with pytest.raises(KeyError_):
        Cipher([new]).decrypt(token)
