from tests.mentoring.factories import pair  # noqa: F401  # the fixture, for every test here
