"""Estate registers: read each partner's register, normalise it to one schema,
geocode, validate, and merge the same building listed twice into one site."""
