"""The call procedure as data, and the one table of a proposal's states and the moves between them.

The programme file describes each procedure a call can follow: who launches calls and runs the
admissibility check, whether there is a pre-registration, the assessment blocks with their criteria
and minimum scores, whether the city's steering committee validates the fit with its strategy, and
who takes the final decision with how many signatures. A call keeps a copy of its procedure, so a
later change of the programme file never changes a running call.

Pure: pydantic and plain Python, no database.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from django.utils.translation import get_language
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Points = Annotated[Decimal, Field(ge=0, le=100)]
# The roles that can take a step (accounts.models.Role values).
Body = Literal["managing_authority", "secretariat", "steering_committee"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    nl: NonEmpty
    en: NonEmpty

    def __str__(self):
        return self.en if (get_language() or "nl").startswith("en") else self.nl


class AdmissibilityItem(Strict):
    code: NonEmpty
    text: Text
    basis: str = ""  # the legal source, e.g. "CPR art. 63(6)"


class CriterionSpec(Strict):
    code: NonEmpty
    name: Text
    max: Annotated[int, Field(gt=0, le=100)]
    # Weight in the total out of 100; by default the criterion's maximum (points simply add up).
    weight: Annotated[Decimal, Field(gt=0)] | None = None


class Block(Strict):
    code: NonEmpty
    name: Text
    minimum: Points | None = None  # of the block's points, e.g. 30 of 50
    criteria: list[CriterionSpec] = Field(min_length=1)


class Assessment(Strict):
    advisory_body: Text
    experts: Literal["programme", "city"] = "programme"  # where the experts hold their role
    min_experts: Annotated[int, Field(ge=2)] = 2
    consensus_margin: Points = Decimal("15")
    minimum_total: Points | None = None  # of 100
    blocks: list[Block] = Field(min_length=1)


class Validation(Strict):
    by: Literal["steering_committee"] = "steering_committee"
    # Members present without a conflict of interest who must sign; at least two, so that no
    # single login validates alone. The city's own quorum, where its strategy file sets one, wins.
    quorum: Annotated[int, Field(ge=2)] = 2


class Decision(Strict):
    by: Body
    # Distinct people of that body who must sign a decision on money: never fewer than two.
    signatures: Annotated[int, Field(ge=2)] = 2


class ProcedureFile(Strict):
    code: NonEmpty
    name: Text
    description: Text | None = None
    source: str = ""
    run_by: Literal["managing_authority", "secretariat"]  # calls, admissibility, experts
    pre_registration: bool = False
    admissibility_items: list[AdmissibilityItem] = []
    # Days the applicant has to submit again a proposal returned for correction.
    correction_days: Annotated[int, Field(ge=1, le=180)] = 14
    principles_at_admissibility: bool = False  # the city's principles checked item by item
    assessment: Assessment
    validation: Validation | None = None
    decision: Decision

    @model_validator(mode="after")
    def _unique_codes(self):
        codes = [c.code for b in self.assessment.blocks for c in b.criteria]
        if len(codes) != len(set(codes)):
            raise ValueError("criterion codes must be unique within a procedure")
        blocks = [b.code for b in self.assessment.blocks]
        if len(blocks) != len(set(blocks)):
            raise ValueError("block codes must be unique within a procedure")
        items = [i.code for i in self.admissibility_items]
        if len(items) != len(set(items)):
            raise ValueError("admissibility item codes must be unique within a procedure")
        return self


class Procedure(ProcedureFile):
    """A procedure as a call holds it, with the answers the rest of the code asks of it."""

    def criteria(self) -> list[tuple[str, CriterionSpec]]:
        """(block code, criterion) in the order of the file."""
        return [(b.code, c) for b in self.assessment.blocks for c in b.criteria]

    def role_for(self, step: str) -> str:
        """Which role takes `step` of this procedure."""
        if step == "run":
            return self.run_by
        if step == "validate":
            return self.validation.by if self.validation else ""
        if step == "decide":
            return self.decision.by
        raise KeyError(step)


# --- states and moves ------------------------------------------------------------------------

# State codes (proposals.models.Proposal.State holds the labels).
DRAFT = "draft"
SUBMITTED = "submitted"
IN_SCREENING = "in_screening"
ADMISSIBLE = "admissible"
INADMISSIBLE = "inadmissible"
IN_ASSESSMENT = "in_assessment"
ASSESSED = "assessed"
VALIDATED = "validated"
NOT_VALIDATED = "not_validated"
APPROVED = "approved"
RESERVE = "reserve"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"

FINAL = {INADMISSIBLE, REJECTED, WITHDRAWN}


def decision_from(procedure: Procedure) -> set[str]:
    """The states from which the final decision is taken: after the steering committee's
    validation where the procedure has one, else straight after assessment."""
    return {VALIDATED} if procedure.validation else {ASSESSED}


def moves(procedure: Procedure) -> dict[str, tuple[set[str], str]]:
    """Every move of a proposal under `procedure`: action -> (from states, to state).

    The one table of states and moves; `transition()` refuses any move not in it.
    """
    deciding = decision_from(procedure)
    table = {
        "submitted": ({DRAFT}, SUBMITTED),
        "returned": ({SUBMITTED, IN_SCREENING}, DRAFT),
        "screening_started": ({SUBMITTED}, IN_SCREENING),
        "admissible": ({IN_SCREENING}, ADMISSIBLE),
        "inadmissible": ({IN_SCREENING}, INADMISSIBLE),
        "assessment_started": ({ADMISSIBLE}, IN_ASSESSMENT),
        "assessed": ({IN_ASSESSMENT, ASSESSED}, ASSESSED),
        "approved": (deciding | {RESERVE}, APPROVED),
        "reserve": (deciding, RESERVE),
        "rejected": (deciding | {ASSESSED, NOT_VALIDATED, RESERVE}, REJECTED),
        "withdrawn": (
            {DRAFT, SUBMITTED, IN_SCREENING, ADMISSIBLE, IN_ASSESSMENT, ASSESSED, VALIDATED}
            | {NOT_VALIDATED, APPROVED, RESERVE},
            WITHDRAWN,
        ),
    }
    if procedure.validation:
        table["validated"] = ({ASSESSED}, VALIDATED)
        table["not_validated"] = ({ASSESSED}, NOT_VALIDATED)
    return table


def block_scores(
    procedure: Procedure, scores: dict[str, int]
) -> tuple[dict[str, Decimal], Decimal]:
    """One expert's scores (criterion code -> points) as points per block and a total of 100.

    A criterion counts for weight × score / maximum; the weights are scaled so that all criteria
    together make 100. With the default weights (each criterion's maximum) and maxima adding up to
    100, a block's score is simply the sum of its points.
    """
    specs = procedure.criteria()
    weight = {c.code: (c.weight if c.weight is not None else Decimal(c.max)) for _b, c in specs}
    scale = Decimal(100) / sum(weight.values())
    blocks: dict[str, Decimal] = {}
    for block, c in specs:
        part = scale * weight[c.code] * Decimal(scores[c.code]) / Decimal(c.max)
        blocks[block] = blocks.get(block, Decimal(0)) + part
    blocks = {k: v.quantize(Decimal("0.01")) for k, v in blocks.items()}
    return blocks, sum(blocks.values(), Decimal(0))


def block_maximum(procedure: Procedure, block_code: str) -> Decimal:
    specs = procedure.criteria()
    weight = {c.code: (c.weight if c.weight is not None else Decimal(c.max)) for _b, c in specs}
    total = sum(weight.values())
    part = sum(weight[c.code] for b, c in specs if b == block_code)
    return (Decimal(100) * part / total).quantize(Decimal("0.01"))


def shortfalls(
    procedure: Procedure, blocks: dict[str, Decimal], total: Decimal
) -> list[tuple[str, Decimal, Decimal]]:
    """The minimums a consolidated score misses: (block code or "total", score, minimum)."""
    out = []
    for b in procedure.assessment.blocks:
        if b.minimum is not None and blocks.get(b.code, Decimal(0)) < b.minimum:
            out.append((b.code, blocks.get(b.code, Decimal(0)), b.minimum))
    minimum_total = procedure.assessment.minimum_total
    if minimum_total is not None and total < minimum_total:
        out.append(("total", total, minimum_total))
    return out
