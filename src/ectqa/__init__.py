"""ectqa: validate and quality-assess extraction data on ECT and the immune system.

The flow is read -> validate -> assess -> report: ``readers`` turn a workbook or CSV folder into a
``Dataset``; ``schema`` checks it against the data dictionary; ``rules`` flag methodological
problems and ``judgements`` turn them into risk-of-bias judgements; ``reports`` render findings.
"""

__version__ = "0.1.0"
