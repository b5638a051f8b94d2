"""Bank statement import: sniffing, bank profiles, parsing, normalisation, dedup, batches."""
