"""Every filter of the portal and the public API can be answered from an index, checked in the
query plans of PostgreSQL: with sequential scans made as dear as the planner allows, a filter
that no index serves still reads its whole table, and the plan says so."""

import pytest
from django.db import connection

from gti.opendata import operations
from gti.opendata.models import ExternalOperation

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("loaded"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans of PostgreSQL"),
]

PORTAL = {
    "all": {},
    "city": {"city": "gent"},
    "theme": {"theme": "groen"},
    "objective": {"objective": "SD 2.4"},
    "area": {"area": "ledeberg"},
    "status": {"status": "running"},
    "sdg": {"sdg": 11},
    "words": {"q": "groen plein"},
    "sorted by cost": {"sort": "-total_cost_eur"},
}
EXTERNAL = {
    "source": {"source": "wallonie"},
    "objective": {"specific_objective": "RSO2.7"},
    "country": {"country": "FR"},
}


def plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


@pytest.mark.parametrize("filters", PORTAL.values(), ids=PORTAL.keys())
def test_each_filter_of_the_portal_reads_proposals_through_an_index(filters):
    found = plan(operations.approved(**filters))
    assert "Seq Scan on proposals_proposal" not in found, found


@pytest.mark.parametrize("filters", EXTERNAL.values(), ids=EXTERNAL.keys())
def test_each_filter_of_other_regions_lists_reads_through_an_index(filters):
    found = plan(ExternalOperation.objects.filter(**filters))
    assert "Seq Scan on opendata_externaloperation" not in found, found


def test_without_an_index_the_plan_says_so():
    """The check can fail: a column no index covers is read whole."""
    found = plan(ExternalOperation.objects.filter(operation_name="Zonnepark"))
    assert "Seq Scan on opendata_externaloperation" in found


def test_the_word_search_has_its_own_index():
    from gti.proposals.models import Proposal

    found = plan(operations.matching(Proposal.objects.all(), "groen plein"))
    assert "proposal_words_dutch" in found, found
