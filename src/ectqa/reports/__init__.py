"""Reporters: each renders a `Report` (findings, judgements) and decides nothing."""
