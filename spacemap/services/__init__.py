"""Service use: records to OAs, take-up against expected, disclosure control,
catchment models for site totals, accessibility and rasters."""
