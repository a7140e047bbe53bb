"""Validation against the data dictionary: coerce raw cells to typed values, then pandera."""
