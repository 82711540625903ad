"""What ties an e-mail to its case: the reference in the subject (`[CS-000042]`) and a case
token that outbound mail carries in its footer and Reply-To address (`ref:CS-000042.1a2b3c4d`).

The token's tag is an HMAC of the reference under the installation's secret, so it cannot be
made up: a reply carrying a valid token joins its case whoever sends it, while a bare subject
reference only counts from the case's own contacts.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

SUBJECT_REF = re.compile(r"\[(CS-\d{6,12})\]", re.IGNORECASE)
TOKEN = re.compile(r"ref[:+](CS-\d{6,12})\.([0-9a-f]{8})", re.IGNORECASE)


def case_token(ref: str, secret: bytes) -> str:
    """The token outbound mail for `ref` carries, e.g. "ref:CS-000042.1a2b3c4d"."""
    return f"ref:{ref.upper()}.{_tag(ref, secret)}"


def token_address(address: str, ref: str, secret: bytes) -> str:
    """`address` plus-addressed with the case token, for Reply-To: a reply to it carries the
    token even when the customer's mail program drops the quoted footer."""
    local, _, domain = address.partition("@")
    return f"{local}+{case_token(ref, secret).replace(':', '+', 1)}@{domain}"


def token_refs(tokens: tuple[str, ...] | list[str], secret: bytes) -> list[str]:
    """The case references of the tokens whose tag is right, in order, without repeats."""
    refs: list[str] = []
    for token in tokens:
        match = TOKEN.search(token)
        if not match:
            continue
        ref, tag = match.group(1).upper(), match.group(2).lower()
        if hmac.compare_digest(tag, _tag(ref, secret)) and ref not in refs:
            refs.append(ref)
    return refs


def refs_in_subject(subject: str) -> list[str]:
    return list(dict.fromkeys(m.upper() for m in SUBJECT_REF.findall(subject)))


def _tag(ref: str, secret: bytes) -> str:
    return hmac.new(secret, ref.upper().encode(), hashlib.sha256).hexdigest()[:8]


def status_token() -> tuple[str, str]:
    """A new secret token for a case's status page, and the key it is stored by."""
    token = secrets.token_urlsafe(24)
    return token, status_key(token)


def status_key(token: str) -> str:
    """What a status-page token is stored and looked up by (the token itself is not kept)."""
    return hashlib.sha256(token.encode()).hexdigest()
