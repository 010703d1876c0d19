"""What a stored value may be: dates in a sane range, known time zones, strict web links and
text that every output (pages, ICS, CSV, e-mail headers) can carry.

Every door calls these through the services, so a value is refused the same way wherever it
is typed; the pages and exports use the `*_or_none` readers to show a value stored before
these rules as "invalid" instead of failing.

Dates run from 2000 to 2100: go/no-go meetings are about releases being shipped now, so an
earlier or later year is a typo, and the range keeps every moment convertible to any time
zone (Python's datetimes end at year 9999; a moment near that edge overflows in a zone
ahead of UTC, and PostgreSQL then stores a value Python cannot read back).
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import re
import unicodedata
import zoneinfo
from urllib.parse import SplitResult, urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

FIRST_YEAR = 2000
LAST_YEAR = 2100
FIRST_DAY = dt.date(FIRST_YEAR, 1, 1)
LAST_DAY = dt.date(LAST_YEAR, 12, 31)
FIRST_MOMENT = dt.datetime(FIRST_YEAR, 1, 1, tzinfo=dt.UTC)
END_MOMENT = dt.datetime(LAST_YEAR + 1, 1, 1, tzinfo=dt.UTC)

# The longest name in the zone database is 32 characters; the column holds 64.
MAX_ZONE_LENGTH = 64
ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*")
MAX_URL_LENGTH = 1000
WEB_SCHEMES = ("http", "https")
# `scheme://...`: a location that says it is a URL with an address.
HAS_AUTHORITY = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
HOST_NAME = re.compile(r"[^\s/\\?#@:\[\]<>\"'`{}|^]+")

# Line breaks that some readers honour besides \n and \r.
LINE_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


# --- Dates and times -----------------------------------------------------------------------


def _range_message(label: str) -> str:
    return _("%(field)s must fall between %(first)s and %(last)s.") % {
        "field": label,
        "first": FIRST_DAY.isoformat(),
        "last": LAST_DAY.isoformat(),
    }


def moment_is_valid(value: object) -> bool:
    """An aware (or naive) datetime between 2000-01-01 and 2100-12-31 in UTC."""
    if not isinstance(value, dt.datetime) or not FIRST_YEAR - 1 <= value.year <= LAST_YEAR + 1:
        return False
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        utc = value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        return False
    return FIRST_MOMENT <= utc < END_MOMENT


def day_is_valid(value: object) -> bool:
    if isinstance(value, dt.datetime):
        return moment_is_valid(value)
    return isinstance(value, dt.date) and FIRST_DAY <= value <= LAST_DAY


def check_moment(value: dt.datetime | None, *, field: str, label: str) -> None:
    """Refuse a time outside the range, as an error on `field`."""
    if value is not None and not moment_is_valid(value):
        raise ValidationError({field: _range_message(label)}, code="out_of_range")


def check_day(value: dt.date | None, *, field: str, label: str) -> None:
    if value is not None and not day_is_valid(value):
        raise ValidationError({field: _range_message(label)}, code="out_of_range")


def out_of_range() -> str:
    """The data check's word for a date or time outside the range."""
    return _("outside %(first)s to %(last)s") % {
        "first": FIRST_DAY.isoformat(),
        "last": LAST_DAY.isoformat(),
    }


def range_problem(value: object) -> str:
    """The problem with a stored date or time, or "" when it is in range."""
    if value is None:
        return ""
    valid = moment_is_valid(value) if isinstance(value, dt.datetime) else day_is_valid(value)
    return "" if valid else out_of_range()


def local_or_none(value: dt.datetime, tz: dt.tzinfo) -> dt.datetime | None:
    """`value` in `tz`, or None when it cannot be shown there (it would overflow)."""
    try:
        return value.astimezone(tz)
    except (OverflowError, ValueError):
        return None


# --- Time zones ----------------------------------------------------------------------------


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@functools.lru_cache(maxsize=512)
def zone_or_none(name: object) -> zoneinfo.ZoneInfo | None:
    """The zone of that name in the zone database, or None; never raises."""
    if not isinstance(name, str) or not 0 < len(name) <= MAX_ZONE_LENGTH:
        return None
    if not ZONE_NAME.fullmatch(name) or name not in _known_zones():
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except Exception:  # zoneinfo raises ValueError, OSError, KeyError and more
        return None


def zone_or_utc(name: object) -> dt.tzinfo:
    """For arithmetic on stored data: a zone that no longer reads is taken as UTC."""
    return zone_or_none(name) or dt.UTC


def check_time_zone(name: str, *, field: str = "time_zone") -> str:
    if zone_or_none(name) is None:
        shown = name if len(name) <= MAX_ZONE_LENGTH else name[:MAX_ZONE_LENGTH] + "…"
        raise ValidationError(
            {field: _("%(zone)s is not a known time zone.") % {"zone": clean_line(shown)}},
            code="time_zone",
        )
    return name


# --- Web links -----------------------------------------------------------------------------


def _host_problem(parts: SplitResult) -> str:
    host = parts.hostname
    if not host:
        return _("The link has no host name.")
    try:
        parts.port  # noqa: B018 - reading it validates it
    except ValueError:
        return _("The link's port is not a number between 0 and 65535.")
    if "[" in parts.netloc:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return _("The link's address between brackets is not an IP address.")
        return ""
    if not HOST_NAME.fullmatch(host):
        return _("The link's host name is not valid.")
    try:
        host.encode("idna")
    except UnicodeError:
        return _("The link's host name is not valid.")
    return ""


def web_url_problem(url: str) -> str:
    """Why `url` is not an http(s) link a browser can follow, or "" when it is."""
    if not url.lower().startswith(("http://", "https://")):
        return _("Give an http:// or https:// URL.")
    if len(url) > MAX_URL_LENGTH:
        return _("A link is at most %(max)s characters long.") % {"max": MAX_URL_LENGTH}
    if any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in url):
        return _("A link cannot contain spaces or control characters.")
    try:
        parts = urlsplit(url)
    except ValueError:
        return _("The link cannot be read as a URL: check its host name and brackets.")
    if parts.scheme.lower() not in WEB_SCHEMES:
        return _("Give an http:// or https:// URL.")
    return _host_problem(parts)


def is_web_url(url: object) -> bool:
    """Whether `url` is a link the pages may point to; never raises."""
    return isinstance(url, str) and not web_url_problem(url)


def check_web_url(url: str, *, field: str) -> str:
    """A link that must be http(s): stripped, or refused with the reason."""
    url = url.strip()
    problem = web_url_problem(url)
    if problem:
        raise ValidationError({field: problem}, code="url")
    return url


def location_problem(location: str) -> str:
    """A location is any text (a repository path, a note) unless it says it is a URL:
    then it must be a link that parses, over http(s), with a host."""
    if HAS_AUTHORITY.match(location) or location.lower().startswith(("http:", "https:")):
        return web_url_problem(location)
    return ""


# --- Text ----------------------------------------------------------------------------------


def _is_unsafe(char: str) -> bool:
    """NUL and the other control characters, and halves of a surrogate pair (which cannot
    be encoded); tab and line feed are handled by the callers."""
    category = unicodedata.category(char)
    return category == "Cs" or (category == "Cc" and char not in "\t\n")


def clean_text(value: str) -> str:
    """Multi-line text any output can carry: lines end with \\n, no control characters."""
    if value.isprintable():  # the common case, and cheap: no control or break characters
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    for char in LINE_BREAKS:
        value = value.replace(char, "\n")
    if not any(_is_unsafe(c) for c in value):
        return value
    return "".join(c for c in value if not _is_unsafe(c))


def without_controls(value: str) -> str:
    """`value` as it is, line ends included, less NUL and the other control characters
    (for a format such as CSV that quotes line breaks itself)."""
    if value.isprintable() or not any(_is_unsafe(c) and c != "\r" for c in value):
        return value
    return "".join(c for c in value if c == "\r" or not _is_unsafe(c))


def clean_line(value: str) -> str:
    """One line of text (a title, a name): line breaks and tabs become spaces."""
    value = clean_text(value)
    if "\n" in value or "\t" in value:
        value = value.replace("\n", " ").replace("\t", " ")
    return value


def text_problem(value: str, *, single_line: bool) -> str:
    """What a stored value holds that `clean_*` would remove, or "" (for the data check).
    Windows line ends in multi-line text are no problem: they are only normalised."""
    if single_line and any(c in value for c in "\r\n" + LINE_BREAKS):
        return _("contains a line break")
    if any(_is_unsafe(c) and c != "\r" for c in value):
        return _("contains control characters")
    return ""
