from tests.estate.area import estate_dir  # noqa: F401  (fixture)
