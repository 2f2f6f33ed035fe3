"""Rules and state changes of calls and proposals. Views, API, admin, import and CLI call these."""

from gti.errors import Invalid, Refused  # noqa: F401
from gti.proposals.services.assessment import (  # noqa: F401
    assign_assessors,
    declare_conflict,
    declare_no_conflict,
    score_proposal,
)
from gti.proposals.services.calls import (  # noqa: F401
    DEFAULT_CRITERIA,
    close_call,
    create_call,
    is_open,
    publish_call,
)
from gti.proposals.services.proposals import (  # noqa: F401
    context_for,
    draft_of,
    edit_mode,
    return_for_correction,
    save_proposal,
    snapshot,
    submit_proposal,
    withdraw_proposal,
)
from gti.proposals.services.screening import screen_proposal, start_screening  # noqa: F401
