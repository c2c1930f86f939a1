"""People: accounts and their administration (`accounts`), sign-in that slows guessing without
locking anyone out (`signin`), and partner-system tokens that expire and, for roles that read
children, need a second person (`tokens`)."""
from __future__ import annotations

from triage.services.people.accounts import (
    MIN_PASSWORD_LENGTH,
    change_password,
    create_user,
    display_names,
    end_sessions,
    get_user,
    hash_password,
    list_users,
    reset_password,
    set_active,
    sign_in_waits,
    unlock,
    update_user,
    user_for_session,
)
from triage.services.people.signin import (
    SIGN_IN_REFUSED,
    UNKNOWN_ADDRESS,
    SignIn,
    authenticate,
    is_known_address,
    normalise_username,
)
from triage.services.people.tokens import (
    TOKEN_CACHE_SECONDS,
    TokenIdentity,
    approve_token,
    create_token,
    end_of_london_day,
    forget_cached_tokens,
    list_tokens,
    needs_approval,
    revoke_token,
    token_digest,
    token_for_secret,
    tokens_awaiting_approval,
    touch_token,
    usable,
)

__all__ = [
    "MIN_PASSWORD_LENGTH", "SIGN_IN_REFUSED", "TOKEN_CACHE_SECONDS", "UNKNOWN_ADDRESS", "SignIn", "TokenIdentity",
    "approve_token", "authenticate", "change_password", "create_token", "create_user", "display_names",
    "end_of_london_day", "end_sessions", "forget_cached_tokens", "get_user", "hash_password", "is_known_address",
    "list_tokens", "list_users", "needs_approval", "normalise_username", "reset_password", "revoke_token",
    "set_active", "sign_in_waits", "token_digest", "token_for_secret", "tokens_awaiting_approval", "touch_token",
    "unlock", "update_user", "usable", "user_for_session",
]
