"""Census ingest: variable specs, count tables → rates per Output Area."""
