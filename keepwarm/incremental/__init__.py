"""Recomputing only what changed: pure functions over plain data (no I/O, no clock).

Detection folds every interaction into evidence per address; a scheduled cycle must not pay for
that again when almost nothing is new. So evidence is kept per *unit* — one address in one week,
or the owner's own sightings in one day — and a cycle refolds only the units new interactions
fall in, with the same pure `keepwarm.peers` code, then merges units with `Evidence.absorb`
(which gives the same evidence as one fold over everything). Rule histories are kept the same
way, per address and bucket. `links` says which stored interactions a new one may change the
meaning of (replies, bounces); `closure` says which addresses identity may tie to a changed one.
"""
