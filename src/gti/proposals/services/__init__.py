"""Rules and state changes of calls and proposals. Views, API, admin, import and CLI call these."""

from gti.errors import Invalid, Refused  # noqa: F401
from gti.proposals.services.assessment import (  # noqa: F401
    assessment_summary,
    assign_assessors,
    close_consensus,
    consolidated,
    declare_conflict,
    declare_no_conflict,
    expert_scores,
    score_proposal,
)
from gti.proposals.services.calls import (  # noqa: F401
    close_call,
    create_call,
    default_procedure,
    is_open,
    preregistration_open,
    procedure_named,
    publish_call,
)
from gti.proposals.services.preregistration import (  # noqa: F401
    give_feedback,
    open_proposal,
    preregister,
)
from gti.proposals.services.proposals import (  # noqa: F401
    content_hash,
    context_for,
    draft_of,
    edit_mode,
    return_for_correction,
    save_proposal,
    snapshot,
    strategy_in_force,
    submit_proposal,
)
from gti.proposals.services.screening import (  # noqa: F401
    checklist_items,
    screen_proposal,
    start_screening,
)
