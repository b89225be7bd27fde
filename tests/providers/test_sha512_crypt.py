from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vpspanel.providers.sha512_crypt import (
    DEFAULT_ROUNDS,
    native_sha512_crypt,
    pure_sha512_crypt,
    sha512_crypt,
)

_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
HAS_LIBCRYPT = native_sha512_crypt(b"probe", b"probe", DEFAULT_ROUNDS) is not None

Hasher = Callable[[str, str, int], str | None]


def _pure(password: str, salt: str, rounds: int) -> str | None:
    return pure_sha512_crypt(password, salt.encode(), rounds)


def _native(password: str, salt: str, rounds: int) -> str | None:
    if not HAS_LIBCRYPT:
        pytest.skip("the system has no libxcrypt crypt_rn")
    return native_sha512_crypt(password.encode(), salt.encode(), rounds)


BOTH = pytest.mark.parametrize("hasher", [_pure, _native], ids=["pure", "libcrypt"])


class TestSha512Crypt:
    # Test vectors from Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512" specification,
    # through the public function (whichever implementation it picks) and through each one.
    def test_default_rounds_vector(self) -> None:
        assert sha512_crypt("Hello world!", "saltstring") == (
            "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBF"
            "dcbYEdFCoEOfaS35inz1"
        )

    def test_custom_rounds_and_long_salt_is_truncated(self) -> None:
        assert sha512_crypt("Hello world!", "saltstringsaltstring", rounds=10000) == (
            "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/Ur"
            "jmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."
        )

    def test_password_longer_than_one_digest(self) -> None:
        assert sha512_crypt(
            "we have a short salt string but not a short password", "short", rounds=77777
        ) == (
            "$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCa"
            "UeOxFmtlcGZelFl5CxtgfiAc0"
        )

    def test_rounds_below_minimum_are_raised_to_1000(self) -> None:
        assert sha512_crypt("the minimum number is still observed", "roundstoolow", rounds=10) == (
            "$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58"
            "jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX."
        )

    def test_random_salt_differs_each_time(self) -> None:
        first, second = sha512_crypt("S3cret-pass"), sha512_crypt("S3cret-pass")
        assert first != second
        assert first.startswith("$6$") and len(first.split("$")[2]) == 16

    @BOTH
    def test_each_implementation_gives_the_specification_vectors(self, hasher: Hasher) -> None:
        assert hasher("Hello world!", "saltstring", DEFAULT_ROUNDS) == (
            "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBF"
            "dcbYEdFCoEOfaS35inz1"
        )
        assert hasher("This is just a test", "toolongsaltstrin", 5000) == (
            "$6$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1"
            "JSbq3y6JMxxl8audkUEm0"
        )

    def test_a_password_libcrypt_refuses_is_hashed_in_python(self) -> None:
        long_password = "x" * 600  # libxcrypt takes at most 512 bytes
        assert native_sha512_crypt(long_password.encode(), b"salt", DEFAULT_ROUNDS) is None
        assert sha512_crypt(long_password, "salt") == pure_sha512_crypt(
            long_password, b"salt", DEFAULT_ROUNDS
        )


@pytest.mark.skipif(not HAS_LIBCRYPT, reason="the system has no libxcrypt crypt_rn")
@settings(max_examples=40, deadline=None)
@given(
    password=st.text(min_size=0, max_size=80),
    salt=st.text(alphabet=_ALPHABET, min_size=1, max_size=16),
    rounds=st.integers(min_value=1000, max_value=6000),
)
def test_libcrypt_and_python_agree(password: str, salt: str, rounds: int) -> None:
    native = native_sha512_crypt(password.encode(), salt.encode(), rounds)
    if "\0" in password:
        assert native is None
    else:
        assert native == pure_sha512_crypt(password, salt.encode(), rounds)
