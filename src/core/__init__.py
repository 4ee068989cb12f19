"""The kernel every app stands on: errors, periods, web and form helpers, the SMS transport, key files.

It imports no app of the project (``docs/architecture.md``; the import-linter contract in
``pyproject.toml`` checks it), so any app may import it.
"""
