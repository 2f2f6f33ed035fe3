"""The annual implementation report on a small set made through the services, worked out by hand:

- Ghent's Wijkpark (SD 2.4, climate adaptation): eligible cost 150,000.00 (works 100,000.00 and
  staff 50,000.00; the artwork of 10,000.00 is not eligible), ERDF 60,000.00; approved by a
  decision dated 1 March of this year; its grant in force since today; claim 1 declared
  57,000.00, verified (3 lines accepted, 1 reduced): 54,000.00 accepted, 21,600.00 payable,
  paid; put in a payment application submitted today.
- Antwerp's Klimaatplein: eligible cost 250,000.00, ERDF 100,000.00, approved by a decision dated
  1 June of last year; no grant yet.

This year: Ghent selected 1 / 150,000.00 / 60,000.00, Antwerp none; cumulative the GTI holds
2 projects, 400,000.00 eligible, 160,000.00 ERDF. Last year: Antwerp's project only, and none of
Ghent's money.
"""

import datetime
import re
import zlib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command, execute_from_command_line
from django.test import Client

from gti.errors import Invalid
from gti.monitoring import annual, jobs, reports
from gti.monitoring.models import Job
from gti.portfolio.models import Meeting
from tests.factories import person
from tests.monitoring.test_claims import CLAIM_1, VERDICTS_1, grant, submitted  # noqa: F401
from tests.monitoring.test_dashboard import TODAY, paid  # noqa: F401 (fixture)
from tests.monitoring.test_grants import approved, call  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("loaded")
YEAR = TODAY.year


def decided_on(proposal, day):
    Meeting.objects.filter(decisions__proposal=proposal, purpose="decision").update(date=day)


@pytest.fixture
def gti(paid, call):  # noqa: F811
    decided_on(paid.proposal, datetime.date(YEAR, 3, 1))
    klimaatplein = approved(call, city="antwerpen", title="Klimaatplein")
    decided_on(klimaatplein, datetime.date(YEAR - 1, 6, 1))
    return paid


def selection(section):
    return [(r.objective, r.projects, r.eligible, r.erdf) for r in section.selected_year], [
        (r.objective, r.projects, r.eligible, r.erdf) for r in section.selected_total
    ]


def test_the_figures_of_this_year_per_city_and_for_the_gti(gti):
    report = annual.annual_report(None, YEAR)
    antwerpen, gent, whole = report.sections
    assert (antwerpen.city.code, gent.city.code, whole.city) == ("antwerpen", "gent", None)
    wijkpark = ("SD 2.4", 1, Decimal("150000.00"), Decimal("60000.00"))
    assert selection(gent) == ([wijkpark], [wijkpark])
    assert gent.selected_year[0].theme == gti.proposal.theme.name
    assert selection(antwerpen)[0] == []
    assert [(r.projects, r.eligible, r.erdf) for r in antwerpen.selected_total] == [
        (1, Decimal("250000.00"), Decimal("100000.00"))]  # fmt: skip
    year, total = whole.year_total, whole.cumulative_total
    assert (year.projects, year.eligible, year.erdf) == (1, Decimal("150000.00"),
                                                         Decimal("60000.00"))  # fmt: skip
    assert (total.projects, total.eligible, total.erdf) == (2, Decimal("400000.00"),
                                                            Decimal("160000.00"))  # fmt: skip
    assert (gent.grants_in_force, gent.amendments, antwerpen.grants_in_force) == (1, 0, 0)
    c = gent.claims
    assert (c.declared_count, c.declared) == (1, Decimal("57000.00"))
    assert (c.verified_count, c.declared_verified, c.accepted, c.payable) == (
        1, Decimal("57000.00"), Decimal("54000.00"), Decimal("21600.00"))  # fmt: skip
    assert (c.lines_accepted, c.lines_reduced, c.lines_rejected) == (3, 1, 0)
    assert (c.paid_count, c.paid) == (1, Decimal("21600.00"))
    assert whole.claims == c and antwerpen.claims == annual.Claims()
    assert [a.erdf for a in gent.payment_applications] == [Decimal("21600.00")]
    assert antwerpen.payment_applications == []
    balance = {r["priority"]: r["granted"] for r in whole.balance}
    assert balance == {"P1": Decimal("0.00"), "P2": Decimal("160000.00")}
    assert [(r["projects"], r["erdf"]) for r in gent.sdgs] == [(1, Decimal("60000.00"))] * len(
        gti.proposal.theme.sdgs)  # fmt: skip
    assert [s.city.code for s in report.strategies] == ["antwerpen", "gent"]
    assert report.n3 and report.n3[0]["year"] == 2022


def test_last_year_holds_only_what_happened_by_then(gti):
    report = annual.annual_report(None, YEAR - 1)
    antwerpen, gent, whole = report.sections
    assert [(r.projects, r.erdf) for r in antwerpen.selected_year] == [(1, Decimal("100000.00"))]
    assert selection(gent) == ([], [])
    assert (whole.cumulative_total.projects, whole.cumulative_total.erdf) == (
        1, Decimal("100000.00"))  # fmt: skip
    assert gent.grants_in_force == 0 and gent.claims == annual.Claims()
    assert gent.payment_applications == [] and gent.indicators == []


def test_one_city(gti):
    report = annual.annual_report(None, YEAR, "gent")
    assert [s.city.code for s in report.sections] == ["gent"]
    assert [s.city.code for s in report.strategies] == ["gent"]
    assert report.sections[0].cumulative_total.erdf == Decimal("60000.00")


def test_indicators_up_to_the_end_of_the_year(gti):
    """Reports on the first half of 2026 (0.40) and of 2027 (1.20), both accepted: the report on
    2026 counts the first only."""
    decided_on(gti.proposal, datetime.date(2026, 3, 1))
    beneficiary, authority = person("applicant_gent"), person("managing_authority")
    for start, value in ((None, "0.40"), (datetime.date(2027, 1, 1), "1.20")):
        report = reports.start_report(gti, by=beneficiary, period_start=start)
        reports.save_report(report, by=beneficiary, narrative="Vordering.", risks="",
                            milestones=[], indicators=[{"code": "RCO26", "value": value,
                                                        "reason": ""}])  # fmt: skip
        reports.submit_report(report, by=beneficiary)
        reports.review_report(report, by=authority, outcome="accept")
    rows = annual.annual_report(None, 2026, "gent").sections[0].indicators
    assert [(r["code"], r["target"], r["achieved"]) for r in rows] == [
        ("RCO26", Decimal("1.50"), Decimal("0.40"))]  # fmt: skip
    later = annual.annual_report(None, 2027, "gent").sections[0].indicators
    assert later[0]["achieved"] == Decimal("1.20")


def test_a_secretariat_reads_its_own_city_only(gti):
    report = annual.annual_report(person("secretariat_antwerpen"), YEAR)
    assert [s.city.code for s in report.sections] == ["antwerpen"]
    section = report.sections[0]
    assert section.cumulative_total.erdf == Decimal("100000.00")
    assert section.payment_applications is None  # the programme's, not a city's
    with pytest.raises(annual.BadChoice) as refused:
        annual.annual_report(person("secretariat_antwerpen"), YEAR, "gent")
    assert refused.value.field == "city"
    with pytest.raises(PermissionDenied):
        annual.annual_report(person("applicant_gent"), YEAR)
    with pytest.raises(annual.BadChoice) as refused:
        annual.annual_report(None, 1999)
    assert refused.value.field == "year"


# --- the page -------------------------------------------------------------------------------


def test_the_page_and_its_pdf(gti):
    client = Client()
    client.force_login(person("managing_authority"))
    page = client.get(f"/en/monitoring/reports/annual/?year={YEAR}&city=gent")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Annual implementation report" in text and "EUR 150,000.00" in text
    assert '<input type="hidden" name="kind" value="annual_pdf">' in text
    # The PDF is a background job: started from the page, made by the worker.
    started = client.post("/en/monitoring/exports/", {"kind": "annual_pdf", "year": str(YEAR),
                                                      "city": "gent"})  # fmt: skip
    assert started.status_code == 302
    # The job's own code, as the worker runs it (the worker itself, which leaves the test's
    # transaction, is tested in tests/monitoring/test_jobs.py).
    jobs.execute(Job.objects.get().pk)
    job = Job.objects.get()
    assert (job.state, job.done, job.total) == ("done", 2, 2)
    assert job.file_name == f"gti-annual-report-{YEAR}-gent.pdf"
    pdf = client.get(f"/en/monitoring/exports/jobs/{job.pk}/file/")
    content = b"".join(pdf.streaming_content)
    assert content.startswith(b"%PDF")
    assert f"/Title (Annual implementation report {YEAR})".encode() in pdf_objects(content)
    default = client.get("/en/monitoring/reports/annual/").content.decode()
    assert f'value="{YEAR - 1}"' in default  # the last year ended


@pytest.mark.parametrize(
    ("query", "field"),
    [("year=abc", "Year"), ("year=1999", "Year"), ("year=2026&city=brussel", "City")],
)
def test_a_bad_choice_is_a_form_error_naming_the_field(gti, query, field):
    client = Client()
    client.force_login(person("managing_authority"))
    page = client.get(f"/en/monitoring/reports/annual/?{query}")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert f'<p class="errorlist" id="err-{field.lower()}">{field}:' in page.content.decode()


def test_a_secretariat_may_not_choose_another_city(gti):
    client = Client()
    client.force_login(person("secretariat_antwerpen"))
    page = client.get(f"/en/monitoring/reports/annual/?year={YEAR}&city=gent").content.decode()
    assert 'id="err-city"' in page and "EUR 150,000.00" not in page
    own = client.get(f"/en/monitoring/reports/annual/?year={YEAR}").content.decode()
    assert "EUR 250,000.00" in own and "EUR 150,000.00" not in own


# --- the command ----------------------------------------------------------------------------


def gti_command(*args, line=False):
    """The command's exit code. By call_command where the test reads the database after it: the
    command line closes the database connections at its end (the test's transaction on
    PostgreSQL); by the command line where its parsing of the options is tested."""
    try:
        if line:
            execute_from_command_line(["gti", "report", "annual", *args])
        else:
            call_command("report", "annual", *args)
    except SystemExit as exc:
        return exc.code
    return 0


def test_the_command_writes_html_and_pdf(gti, tmp_path, capsys):
    html = tmp_path / "gent.html"
    assert gti_command("--city", "gent", "--year", str(YEAR), "--output", str(html),
                       "--language", "en") == 0  # fmt: skip
    text = html.read_text(encoding="utf-8")
    assert "Annual implementation report" in text and "EUR 150,000.00" in text
    assert "<style>" in text and "href=" not in text.split("<article")[0]  # stands on its own
    assert "written:" in capsys.readouterr().err
    pdf = tmp_path / "gti.pdf"
    assert gti_command("--year", str(YEAR), "--output", str(pdf), "--language", "en") == 0
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF")
    assert f"/Title (Annual implementation report {YEAR})".encode() in pdf_objects(content)


def pdf_objects(content: bytes) -> bytes:
    """The PDF's compressed streams read back: its metadata and outline are kept in them."""
    found = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", content, re.S):
        try:
            found.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"".join(found)


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--city", "brussel", "--year", "2026", "--output", "x.html"], "--city"),
        (["--year", "abc", "--output", "x.html"], "--year"),
        (["--year", "1999", "--output", "x.html"], "--year"),
        (["--year", "2026", "--output", "x.docx"], "--output"),
    ],
)
def test_the_command_refuses_bad_options_with_exit_2(gti, tmp_path, capsys, monkeypatch, args,
                                                     option):  # fmt: skip
    monkeypatch.chdir(tmp_path)
    assert gti_command(*args, line=True) == 2
    assert option in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year": "abc"}, "year"),
        ({"year": 1999}, "year"),
        ({"year": 2026, "city": "brussel"}, "city"),
        ({}, "year"),
    ],
)
def test_a_pdf_job_with_a_bad_choice_is_refused_naming_the_field(gti, params, field):
    with pytest.raises(Invalid) as refused:
        jobs.start("annual_pdf", params, by=person("managing_authority"))
    assert field in refused.value.errors
    assert not Job.objects.exists()


def test_a_pdf_job_for_a_city_one_may_not_read_is_refused_before_it_is_queued(gti):
    with pytest.raises(Invalid) as refused:
        jobs.start("annual_pdf", {"year": YEAR, "city": "gent"},
                   by=person("secretariat_antwerpen"))  # fmt: skip
    assert list(refused.value.errors) == ["city"]
    assert not Job.objects.exists()
