"""The local store: versioned directories of immutable segments (see `segments`)."""
