"""Every file spacemap reads or writes goes through this package.

Schema and CRS checks happen at the door; outputs are written atomically.
"""
