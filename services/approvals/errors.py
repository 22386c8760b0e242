"""Why an approval cannot be decided or used."""

from __future__ import annotations

from services.kernel.errors import Conflict, NotFound


class ConfirmationUnknown(NotFound):
    code = "confirmation_not_found"


class ConfirmationExpired(Conflict):
    code = "confirmation_expired"


class ConfirmationMismatch(Conflict):
    code = "confirmation_mismatch"


class ConfirmationNotApproved(Conflict):
    code = "confirmation_not_approved"


class ConfirmationDeclined(Conflict):
    code = "declined_by_shopper"


class ConfirmationDecided(Conflict):
    code = "confirmation_already_decided"
