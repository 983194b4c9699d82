"""The spiders: ``boltwise`` (IT BOLTWISE), ``news`` (any site), ``files`` (saved files)."""
