# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""botocore's service models, parsed once per Python interpreter instead of once per session.

Every AWS module creates a new boto3 session, and botocore caches the JSON files it reads (service
model, endpoint rules, paginators, waiters: several MB for EC2) per session only, so each module parses
them again: about 0.2 s of CPU per EC2 client. Where modules share a persistent interpreter (the
project's strategy under Mitogen), this module lets every botocore loader of the interpreter share one
cache. The cache key adds the loader's search paths and extras to botocore's own key, so loaders that
look in other places (boto3 appends its resource data directory) never see each other's results. In a
one-shot module process it changes nothing but the cache's place.

`share_loader_cache()` is idempotent; every module of this collection calls it first in main().
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import botocore.loaders
except ImportError:
    pass  # Handled by AnsibleAWSModule

_SHARED_ENTRIES = {}
_MARKER = "_tap_shared_model_cache"


class _SharedCache(object):
    """The `_cache` mapping botocore's `instance_cache` uses, scoped by where the loader looks."""

    def __init__(self, loader, entries):
        self._loader = loader
        self._entries = entries

    def _key(self, key):
        loader = self._loader
        scope = (
            type(loader.file_loader),
            tuple(loader.search_paths),
            tuple(getattr(loader, "_extras_types", ())),
        )
        return scope + tuple(key)

    def __contains__(self, key):
        return self._key(key) in self._entries

    def __getitem__(self, key):
        return self._entries[self._key(key)]

    def __setitem__(self, key, value):
        self._entries[self._key(key)] = value


def share_loader_cache(loader_class=None, entries=None):
    """Make every loader of `loader_class` (botocore's Loader) created from now on use the shared cache."""
    if loader_class is None:
        try:
            loader_class = botocore.loaders.Loader
        except NameError:
            return False
    if getattr(loader_class, _MARKER, False):
        return False
    shared = _SHARED_ENTRIES if entries is None else entries
    original_init = loader_class.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self._cache = _SharedCache(self, shared)

    loader_class.__init__ = __init__
    setattr(loader_class, _MARKER, True)
    return True
