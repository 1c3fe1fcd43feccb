"""The theme pages, one builder per theme (re-exported here for the commands)."""

from __future__ import annotations

from spacemap.maps.colocation import colocation_map, colocation_page
from spacemap.maps.estate import estate_page
from spacemap.maps.segments import segments_page
from spacemap.maps.services import access_page, service_use_page

__all__ = ["access_page", "colocation_map", "colocation_page", "estate_page", "segments_page", "service_use_page"]
