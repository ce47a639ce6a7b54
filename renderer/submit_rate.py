"""How often one address may send answers to the public forms (``ATSUME_SUBMIT_RATE``).

Each POST is counted in the app limiter's store, under the sender's address (the
client's own behind a trusted proxy, see ``ATSUME_PROXIES``). Counting it here, rather than
through a route decorator, spares each request Flask-Limiter's resolving and filtering of
every limit, which cost about a tenth of a confirmation page.
"""

from __future__ import annotations

import math
import time
from functools import lru_cache

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import RateLimitItem
from limits import parse as parse_limit
from werkzeug.exceptions import TooManyRequests

from app.extensions import limiter

SCOPE = "public-form-post"


@lru_cache(maxsize=8)
def _limit(rate: str) -> RateLimitItem:
    return parse_limit(rate)


def count_post() -> None:
    """Count this POST against its address's limit; over it, 429 with the wait."""
    if not limiter.enabled:
        return
    limit = _limit(current_app.config["ATSUME_SUBMIT_RATE"])
    address = get_remote_address()
    if not limiter.limiter.hit(limit, SCOPE, address):
        reset = limiter.limiter.get_window_stats(limit, SCOPE, address).reset_time
        raise TooManyRequests(retry_after=max(1, math.ceil(reset - time.time())))
