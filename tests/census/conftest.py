from tests.census.area import area  # noqa: F401  (fixture)
