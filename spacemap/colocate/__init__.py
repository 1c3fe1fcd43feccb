"""Co-location: candidate groups of sites that could share a building, scored with reasons; what-if scenarios."""
