"""Methodological quality rules: the catalogue (rules/*.toml) and their logic, one module per domain.

A rule's logic is found from its id in one search: `@rule("small-sample")`.
"""
