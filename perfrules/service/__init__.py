"""The gating service: an HTTP API and Chinese web pages over the validator, with accounts.

Everything here needs the ``service`` extra (``pip install 'perfrules[service]'``); the
``perfrules serve`` and ``perfrules users add`` commands import this package lazily and
say so when the extra is missing. See docs/service.md.
"""

from __future__ import annotations

INSTALL_HINT = "pip install 'perfrules[service]'"
