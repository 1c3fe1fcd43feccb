"""The ``spacemap`` command line: thin commands over the library."""
