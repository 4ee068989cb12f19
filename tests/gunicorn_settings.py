"""Settings of the gunicorn that the race tests start: the real ones with the suite's cheap password hash,
so thirty parallel sign-ins do not need thirty times Argon2's 100 MiB."""

from dnevnik.settings import *  # noqa: F403

PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher"]
