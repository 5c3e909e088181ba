# -*- coding: utf-8 -*-

# Copyright: tap-infra maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""botocore's service models and boto3's clients, shared by the modules of one Python interpreter.

Every AWS module creates a new boto3 session and its clients. botocore caches the JSON files it reads
(service model, endpoint rules, paginators, waiters: several MB for EC2) per session only, so each module
parses them again: about 0.2 s of CPU per EC2 client. Building the client itself (a class with a method per
API operation, its endpoint rules and event handlers) and opening its HTTPS connection come on top. Where
modules share a persistent interpreter (the project's strategy under Mitogen), this module lets
- every botocore loader of the interpreter share one cache of parsed files (`share_loader_cache`). The cache
  key adds the loader's search paths and extras to botocore's own key, so loaders that look in other places
  (boto3 appends its resource data directory) never see each other's results;
- a boto3 session asked again with the same arguments be the one built first, and every session of the
  interpreter hand out the client already built for the same request (`share_clients`), with its open
  connection: a task against a far region does not wait for a new TCP and TLS handshake.
In a one-shot module process it changes nothing but where things are kept.

`share_in_interpreter()` installs both and is idempotent; every module of this collection calls it first in
main(), and later modules of other collections in the same interpreter benefit as well.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

try:
    import boto3.session
    import botocore.config
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


def _class_to_patch(given, default, marker):
    """`given`, else default(); None when botocore or boto3 is not installed, or when the class itself carries
    `marker` (patched already; a subclass of a patched class is patched on its own)."""
    if given is None:
        try:
            given = default()
        except NameError:
            return None
    return None if vars(given).get(marker, False) else given


def share_loader_cache(loader_class=None, entries=None):
    """Make every loader of `loader_class` (botocore's Loader) created from now on use the shared cache."""
    loader_class = _class_to_patch(loader_class, lambda: botocore.loaders.Loader, _MARKER)
    if loader_class is None:
        return False
    shared = _SHARED_ENTRIES if entries is None else entries
    original_init = loader_class.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self._cache = _SharedCache(self, shared)

    loader_class.__init__ = __init__
    setattr(loader_class, _MARKER, True)
    return True


_SHARED_CLIENTS = {}
_SHARED_SESSIONS = {}
_CLIENTS_MARKER = "_tap_shared_clients"
_SESSION_SCOPE = "_tap_client_scope"
_SESSION_KEY = "_tap_session_key"
# The environment of the credential chain and of botocore's settings: part of what decides a client.
_ENVIRONMENT_PREFIX = "AWS_"
# amazon.aws's placebo recorder attaches to each module's session: clients are not shared while it is on.
_UNSHARED_WHEN_SET = ("_ANSIBLE_PLACEBO_RECORD", "_ANSIBLE_PLACEBO_REPLAY")


def _frozen(value):
    """A hashable form of a client argument; TypeError for a value that has none (no sharing then)."""
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, botocore.config.Config):
        options = getattr(value, "_user_provided_options", None)
        if not isinstance(options, dict):
            raise TypeError("a botocore Config without its user-provided options")
        return ("Config", _frozen(options))
    hash(value)
    return value


def _environment():
    return tuple(sorted(item for item in os.environ.items() if item[0].startswith(_ENVIRONMENT_PREFIX)))


def _session_scope(args, kwargs):
    """The hashable form of a session's arguments; None for a session that is not shared (one given its own
    botocore session, an argument without a hashable form, or amazon.aws's placebo recorder being on)."""
    own_botocore_session = args[4] if len(args) > 4 else kwargs.get("botocore_session")
    if own_botocore_session is not None or any(name in os.environ for name in _UNSHARED_WHEN_SET):
        return None
    try:
        return (_frozen(args), _frozen(kwargs))
    except TypeError:
        return None


def share_clients(session_class=None, clients=None, sessions=None):
    """Make boto3 sessions of `session_class` created from now on be one per identical request, and hand out one
    client per identical request.

    Every AWS module creates a session and its clients. Building a session (botocore's with its few hundred
    event handlers, then boto3's) and a client (its class, with a method per API operation, its endpoint rules
    and its event handlers) is a large part of the CPU time of a short module, and a client's first call opens
    a new connection. Where modules share a persistent interpreter, a session asked again with the same
    arguments and AWS_* environment variables (the credential chain's) is the one built first, and so is a
    client asked again with the same service, region, endpoint, credentials and configuration: botocore sessions
    and clients are safe to share, and none of the modules registers event handlers on a client or a session.
    A session given its own botocore session, an argument without a hashable form, or amazon.aws's placebo
    recorder (which attaches to each module's session) gets a new session and new clients as before. The keys
    include the process id, so a forked child builds its own sessions, clients and connections.
    """
    session_class = _class_to_patch(session_class, lambda: boto3.session.Session, _CLIENTS_MARKER)
    if session_class is None:
        return False
    shared = _SHARED_CLIENTS if clients is None else clients
    shared_sessions = _SHARED_SESSIONS if sessions is None else sessions
    original_init = session_class.__init__
    original_client = session_class.client

    def __new__(cls, *args, **kwargs):
        scope = _session_scope(args, kwargs) if cls is session_class else None
        key = None if scope is None else (os.getpid(), cls, scope, _environment())
        session = shared_sessions.get(key) if key is not None else None
        if session is None:
            session = object.__new__(cls)
            setattr(session, _SESSION_KEY, key)
        return session

    def __init__(self, *args, **kwargs):
        key = vars(self).get(_SESSION_KEY)
        if key is not None and shared_sessions.get(key) is self:
            return  # the shared session, built already
        original_init(self, *args, **kwargs)
        setattr(self, _SESSION_SCOPE, None if key is None else key[2])
        if key is not None:
            shared_sessions[key] = self

    def client(self, *args, **kwargs):
        scope = getattr(self, _SESSION_SCOPE, None)
        if scope is None or any(name in os.environ for name in _UNSHARED_WHEN_SET):
            return original_client(self, *args, **kwargs)
        try:
            key = (os.getpid(), scope, _frozen(args), _frozen(kwargs), _environment())
        except TypeError:
            return original_client(self, *args, **kwargs)
        if key not in shared:
            shared[key] = original_client(self, *args, **kwargs)
        return shared[key]

    session_class.__new__ = __new__
    session_class.__init__ = __init__
    session_class.client = client
    setattr(session_class, _CLIENTS_MARKER, True)
    return True


def share_in_interpreter():
    """Parsed models and clients shared by the modules of this interpreter (see the module's docstring)."""
    share_loader_cache()
    share_clients()
