from vpspanel.providers.sha512_crypt import sha512_crypt


class TestSha512Crypt:
    # Test vectors from Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512" specification.
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
