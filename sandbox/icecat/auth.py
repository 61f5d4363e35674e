"""Who is calling: the Open Icecat demo user or the configured Full Icecat user, checked as Icecat does.

JSON API (DOC-TOK, DOC-ERR): username + lang are mandatory (1); lang must be known and not INT (2); the
user must exist (3); an `app_key` must be the Full user's key (10 if it is nobody's, 7 if it belongs to
another account); a Full user without app_key nor a valid `Api-Token` header fails the IP check (5).
XML interface and index files: HTTP Basic auth (the Open user with any password), or `Api-Token`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass

from sandbox.icecat.config import OPEN_USER, Settings
from sandbox.icecat.errors import IcecatError
from sandbox.icecat.languages import XML_ONLY_LANGUAGES, normalize_language


@dataclass(frozen=True)
class Account:
    name: str
    full: bool


def json_account(params: Mapping[str, str], api_token: str | None, settings: Settings) -> tuple[Account, str]:
    """The caller's account and the requested language; IcecatError for every documented refusal."""
    user = params.get("shopname") or params.get("username") or ""
    raw_lang = params.get("lang") or ""
    if not user or not raw_lang:
        raise IcecatError(1)
    lang = normalize_language(raw_lang)
    if lang is None or lang in XML_ONLY_LANGUAGES:
        raise IcecatError(2)
    if user.lower() == OPEN_USER.lower():
        account = Account(OPEN_USER, full=False)
    elif user == settings.full_user:
        account = Account(user, full=True)
    else:
        raise IcecatError(3, user=user)
    app_key = params.get("app_key") or ""
    if app_key and app_key != settings.app_key:
        raise IcecatError(10)
    if app_key and not account.full:
        raise IcecatError(7)
    if account.full and not app_key and api_token != settings.api_token:
        raise IcecatError(5)
    return account, lang


def basic_account(authorization: str | None, api_token: str | None, settings: Settings) -> Account | None:
    """The account of a Basic-auth (or Api-Token) request; None when the credentials are refused."""
    if api_token and api_token == settings.api_token:
        return Account(settings.full_user, full=True)
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(authorization[6:]).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if user.lower() == OPEN_USER.lower():
        return Account(OPEN_USER, full=False)
    if user == settings.full_user and password == settings.full_password:
        return Account(user, full=True)
    return None
