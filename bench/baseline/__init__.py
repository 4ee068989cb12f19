"""The hand-written-SQL baseline of the family's week (``week``) and its WSGI app (``app``)."""
