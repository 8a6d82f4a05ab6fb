"""Soft deletion, as every repository keeps it.

- Deleting sets `deleted_at`; the row stays for history and for jobs that clean up after it.
- A deleted record is invisible: lookups answer None, lists leave it out, counts ignore it.
- Deleting twice is not an error for the store; use cases answer 404 for an already-deleted id
  because the lookup that precedes the deletion no longer finds it.
- Unique rules (slugs, codes) apply among live records only, so a name can be reused.
"""
