"""Text every output can carry, and values shown safely in error messages.

Pages, feeds (XML) and calendars (iCalendar) all carry the same titles and messages. XML 1.0
cannot hold most control characters at all, and a line break inside a one-line field (a title,
a component name) breaks iCalendar lines and feed titles. Such text is refused where it is
read, naming the character, instead of failing every later build in a feed writer.
"""

from __future__ import annotations

import ipaddress
import re
import reprlib
import unicodedata
from urllib.parse import urlsplit

# Line and paragraph separators: legal in XML, but they break a one-line field like \n does.
_LINE_BREAKS = {"\u2028", "\u2029"}
_NONCHARACTERS = {"\ufffe", "\uffff"}
# Every character the loop in bad_character can refuse (Cc and Cs are fixed ranges in Unicode):
# most text has none, and one regex search finds that far faster than a loop in Python.
_SUSPECT = {False: re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u2028\u2029]"),
            True: re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u2028\u2029]")}

_shown = reprlib.Repr()
_shown.maxstring = 80
_shown.maxother = 80
_shown.maxlist = _shown.maxtuple = _shown.maxdict = _shown.maxset = 6
_shown.maxlevel = 3


def shown(value: object) -> str:
    """repr() of a value, cut to a bounded length: an error never prints a huge value."""
    return _shown.repr(value)


def bad_character(text: str, multiline: bool = False) -> str | None:
    """Why `text` cannot be carried by every output (naming the first bad character), or None.

    One-line text allows no control characters at all; multi-line text allows line feeds and
    tabs. Windows line endings are expected to be normalised (`normalise_lines`) before.
    """
    if _SUSPECT[multiline].search(text) is None:
        return None
    for position, char in enumerate(text, 1):
        category = unicodedata.category(char)
        if multiline and char in "\n\t":
            continue
        if category == "Cc" or category == "Cs" or char in _NONCHARACTERS or (not multiline and char in _LINE_BREAKS):
            what = "line break" if char in "\r\n" or char in _LINE_BREAKS else "control character"
            if category == "Cs":
                what = "lone surrogate"
            allowed = "line breaks and tabs are fine" if multiline else "one line of text"
            return (f"contains the {what} {ascii(char)} at character {position}; expected text without "
                    f"control characters ({allowed}; feeds and calendars cannot carry them)")
    return None


def normalise_lines(text: str) -> str:
    """Windows (\\r\\n) and old Mac (\\r) line endings as \\n, and no trailing spaces on any line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


_HOST_LABEL = re.compile(r"\A(?!-)[a-z0-9-]{1,63}(?<!-)\Z")
_MAILBOX = re.compile(r"\A[^@\s/?#]+@[^@\s/?#]+\.[^@\s/?#]+\Z")


def url_problem(value: str, loopback_http: bool = True, query_allowed: bool = False) -> str | None:
    """Why `value` is not a clean absolute https URL (http only for a loopback host), or None."""
    if bad_character(value) or any(char.isspace() for char in value):
        return "it contains a space, line break or control character"
    try:
        parsed = urlsplit(value)
        _ = parsed.port  # raises on a port that is not a number in range
    except ValueError as exc:
        return f"it cannot be parsed ({exc})"
    host = parsed.hostname or ""
    if parsed.scheme not in ("https", "http") or not parsed.netloc:
        return "it does not start with https://HOST"
    if parsed.username is not None or parsed.password is not None or "@" in parsed.netloc:
        return "it carries a user name or password before the host"
    if not _valid_host(host):
        return f"its host {host!r} is not a valid host name or IP address"
    if parsed.scheme == "http" and not (loopback_http and _is_loopback(host)):
        return "plain http is only for localhost"
    if not query_allowed and (parsed.query or parsed.fragment or value.endswith(("?", "#"))):
        return "it has a query (?…) or fragment (#…)"
    if "//" in parsed.path:
        return "its path contains an empty segment ('//')"
    return None


def mailto_problem(value: str) -> str | None:
    """Why `value` is not `mailto:ADDRESS`, or None."""
    address = value[len("mailto:"):]
    if bad_character(value) or any(char.isspace() for char in value):
        return "it contains a space, line break or control character"
    if address.startswith("//"):
        return "'mailto:' is followed directly by the address, without '//'"
    if not _MAILBOX.match(address.split("?", 1)[0]):
        return "no valid address follows 'mailto:'"
    return None


def _valid_host(host: str) -> bool:
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_host.lower().removesuffix(".").split(".")
    return all(_HOST_LABEL.match(label) for label in labels)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":  # not *.localhost: a name any resolver may send elsewhere
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
