"""The pabulib `.pb` format of participatory budgeting elections (pabulib.org): read and write.

A file has three sections in this order, each a line with its name and then a header line:
META (`key;value`), PROJECTS (`project_id;cost;…`) and VOTES (`voter_id;vote;…`), all
`;`-separated. An approval ballot lists the project ids it approves (`vote`, comma-separated); a
cumulative ballot adds the points it gives each (`points`, in the same order). Amounts are read
exactly (an integer, a decimal or `n/d`, never a float). A broken file raises `PabulibError`
naming the line and the problem; nothing is half read.
"""

import csv
import io
import os
from collections import namedtuple
from collections.abc import Iterable
from fractions import Fraction

from gti.participation.texts import gettext as _

VOTE_TYPES = ("approval", "cumulative")
SECTIONS = ("meta", "projects", "votes")
# columns each section's header must have
REQUIRED = {"meta": ("key", "value"), "projects": ("project_id", "cost"), "votes": ("voter_id",)}
Amount = int | Fraction


class PabulibError(ValueError):
    def __init__(self, line: int, problem: str):
        self.line, self.problem = line, problem
        super().__init__(_("line %(line)d: %(problem)s") % {"line": line, "problem": problem})


class Project(namedtuple("Project", "id cost name category target", defaults=("", (), ()))):
    """id: str, cost: Amount, name: str, category and target: tuple[str, ...]."""

    __slots__ = ()  # an immutable tuple, quicker to make than a frozen dataclass


class Ballot(namedtuple("Ballot", "voter_id vote points", defaults=(None,))):
    """voter_id: str, vote: the project ids (tuple[str, ...]), points: tuple[int, ...] aligned
    with `vote` (cumulative ballots only) or None."""

    __slots__ = ()

    def utilities(self) -> dict[str, int]:
        """Points per project (a cumulative ballot), else 1 per approved project."""
        if self.points is None:
            return dict.fromkeys(self.vote, 1)
        return dict(zip(self.vote, self.points, strict=True))


class Instance:
    def __init__(
        self, meta: dict[str, str], projects: dict[str, Project], ballots: list[Ballot],
        budget: Amount, vote_type: str, min_length: int | None = None,
        max_length: int | None = None, max_sum_points: int | None = None,
    ):  # fmt: skip
        self.meta = meta
        self.projects = projects  # by id, in file order
        self.ballots = ballots
        self.budget = budget
        self.vote_type = vote_type  # approval | cumulative
        self.min_length, self.max_length = min_length, max_length
        self.max_sum_points = max_sum_points

    @property
    def description(self) -> str:
        return self.meta.get("description", "")

    @property
    def cumulative(self) -> bool:
        return self.vote_type == "cumulative"


def amount(text: str) -> Amount:
    """An exact non-negative amount: `12`, `12.50`, `12,50` or `25/2`; ValueError otherwise."""
    value = Fraction(text.strip().replace(",", "."))
    if value < 0:
        raise ValueError(text)
    return int(value) if value.denominator == 1 else value


def format_amount(value: Amount) -> str:
    """The exact text of an amount: an integer, a terminating decimal or `n/d`."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    d, twos, fives = value.denominator, 0, 0
    while d % 2 == 0:
        d, twos = d // 2, twos + 1
    while d % 5 == 0:
        d, fives = d // 5, fives + 1
    if d != 1:
        return f"{value.numerator}/{value.denominator}"
    places = max(twos, fives)
    scaled = value.numerator * 10**places // value.denominator
    sign, digits = ("-" if scaled < 0 else ""), str(abs(scaled)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def _none(text: str) -> str:
    text = text.strip()
    return "" if text.lower() == "none" else text


def _list(text: str) -> tuple[str, ...]:
    text = text.strip()
    if text.lower() == "none":
        return ()
    return tuple([part for part in map(str.strip, text.split(",")) if part])


# in VOTES lines: a space, a quote, an empty field or item (line ends as \n)
NOT_PLAIN = (" ", '"', ",,", ",;", ";,", ";;", ",\n", "\n,", ";\n", "\n;")


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split(","))


def _plain(text: str) -> bool:
    """Whether `_list` of each `;`-separated field of the lines only splits it on `,`: no
    whitespace but line ends, no quote, no empty field or item, no `none` (as in every file we
    know)."""
    text = "\n" + text.replace("\r\n", "\n") + "\n"
    return (
        text.replace("\n", "").isprintable()  # of the white space, only " " is printable
        and not any(s in text for s in NOT_PLAIN)
        and "none" not in text.lower()
    )


def _positive_int(line: int, key: str, text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        value = -1
    if value < 0:
        raise PabulibError(line, _("%(key)s: %(value)r is not a whole number") % {
            "key": key, "value": text})  # fmt: skip
    return value


def read(source: str | os.PathLike | Iterable[str]) -> Instance:
    """Reads a .pb file (a path) or its text (an iterable of lines, or a str holding a newline)."""
    if isinstance(source, os.PathLike) or (isinstance(source, str) and "\n" not in source):
        with open(source, encoding="utf-8-sig", newline="") as f:
            return _parse(f)
    if isinstance(source, str):
        return _parse(io.StringIO(source.removeprefix("\ufeff"), newline=""))
    return _parse(source)


def _parse(lines: Iterable[str]) -> Instance:  # noqa: C901 - one pass over the file's sections
    lines = iter(lines)  # VOTES reads the rest of the lines itself
    reader = csv.reader(lines, delimiter=";")
    section, header, seen = None, [], []
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    projects: dict[str, Project] = {}
    ballots: list[Ballot] = []
    section_line = {}
    vote_type = budget = None
    limits = {}
    for row in reader:
        line = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        first = row[0].strip().lower()
        if len(row) == 1 and first in SECTIONS:
            if first in seen:
                raise PabulibError(line, _("section %(name)s appears twice") % {"name": first})
            expected = SECTIONS[len(seen)]
            if first != expected:
                raise PabulibError(line, _("section %(name)s where %(expected)s was expected") % {
                    "name": first.upper(), "expected": expected.upper()})  # fmt: skip
            if first == "projects":
                vote_type, budget, limits = _check_meta(meta, meta_lines, section_line["meta"])
            seen.append(first)
            section, section_line[first] = first, line
            try:
                header = [column.strip() for column in next(reader)]
            except StopIteration:
                raise PabulibError(line, _("section %(name)s has no header line") % {
                    "name": first.upper()}) from None  # fmt: skip
            required = REQUIRED[first]
            if first == "votes":
                required += ("vote", "points") if vote_type == "cumulative" else ("vote",)
            missing = [column for column in required if column not in header]
            if missing:
                raise PabulibError(reader.line_num, _("the header lacks %(columns)s") % {
                    "columns": ", ".join(missing)})  # fmt: skip
            if first == "votes":  # the last section: the rest of the file
                ballots = _votes(lines, reader.line_num, header, projects, vote_type, limits)
                break
            continue
        if section is None:
            raise PabulibError(line, _("%(text)r is not a section (META, PROJECTS or VOTES)") % {
                "text": row[0].strip()})  # fmt: skip
        if len(row) != len(header):
            raise PabulibError(line, _("%(found)d columns where the header has %(expected)d") % {
                "found": len(row), "expected": len(header)})  # fmt: skip
        values = dict(zip(header, row, strict=True))
        if section == "meta":
            key = values["key"].strip()
            meta[key], meta_lines[key] = values["value"].strip(), line
        elif section == "projects":
            pid = values["project_id"].strip()
            if not pid:
                raise PabulibError(line, _("a project without an id"))
            if pid in projects:
                raise PabulibError(line, _("project %(id)s appears twice") % {"id": pid})
            try:
                cost = amount(values["cost"])
            except (ValueError, ZeroDivisionError):
                raise PabulibError(line, _("cost %(cost)r is not a non-negative number") % {
                    "cost": values["cost"]}) from None  # fmt: skip
            projects[pid] = Project(
                pid, cost, _none(values.get("name", "")),
                _list(values.get("category", "")), _list(values.get("target", "")),
            )  # fmt: skip
    if "votes" not in seen:
        missing = [name.upper() for name in SECTIONS if name not in seen]
        raise PabulibError(reader.line_num, _("the file ends without the section(s) %(names)s") % {
            "names": ", ".join(missing)})  # fmt: skip
    for key, count in (("num_projects", len(projects)), ("num_votes", len(ballots))):
        if key in meta and _positive_int(meta_lines[key], key, meta[key]) != count:
            problem = _("%(key)s says %(said)s, the file has %(count)d")
            raise PabulibError(meta_lines[key], problem % {
                "key": key, "said": meta[key], "count": count})  # fmt: skip
    return Instance(meta, projects, ballots, budget, vote_type, **limits)


def _check_meta(meta, meta_lines, line):
    if "vote_type" not in meta:
        raise PabulibError(line, _("META has no vote_type"))
    vote_type = meta["vote_type"]
    if vote_type not in VOTE_TYPES:
        problem = _("vote_type %(type)r is not one of %(known)s")
        raise PabulibError(meta_lines["vote_type"], problem % {
            "type": vote_type, "known": ", ".join(VOTE_TYPES)})  # fmt: skip
    if "budget" not in meta:
        raise PabulibError(line, _("META has no budget"))
    try:
        budget = amount(meta["budget"])
    except (ValueError, ZeroDivisionError):
        problem = _("budget %(budget)r is not a non-negative number")
        raise PabulibError(meta_lines["budget"], problem % {"budget": meta["budget"]}) from None
    limits = {
        key: _positive_int(meta_lines[key], key, meta[key])
        for key in ("min_length", "max_length", "max_sum_points")
        if _none(meta.get(key, ""))
    }
    return vote_type, budget, limits


def _rows(lines: Iterable[str], before: int):
    """(line number, fields) of the lines after line `before`: split on `;` at once when no field
    is quoted (the VOTES section of every file we know), else by the csv module."""
    lines = list(lines)
    if any('"' in text for text in lines):
        reader = csv.reader(lines, delimiter=";")
        for row in reader:
            yield before + reader.line_num, row
    else:
        for number, text in enumerate(lines, before + 1):
            yield number, text.rstrip("\r\n").split(";")


def _votes(lines, before, header, projects, vote_type, limits) -> list[Ballot]:
    """The ballots of the VOTES section: the checks of `_ballot`, done for a whole ballot at once
    and one by one (for the error) only when the ballot fails them."""
    column = {name: i for i, name in enumerate(header)}  # the last of a repeated name, as dict()
    at_voter, at_vote = column["voter_id"], column["vote"]
    at_points = column.get("points") if vote_type == "cumulative" else None
    width, known = len(header), projects.keys()
    least, most = limits.get("min_length", 0), limits.get("max_length")
    most_points = limits.get("max_sum_points")
    voters: set[str] = set()
    ballots: list[Ballot] = []
    lines = list(lines)
    items = _split if _plain("".join(lines)) else _list
    for line, row in _rows(lines, before):
        if len(row) == 1:
            first = row[0].strip().lower()
            if not first:
                continue
            if first in SECTIONS:
                raise PabulibError(line, _("section %(name)s appears twice") % {"name": first})
        elif not row:
            continue
        if len(row) != width:
            raise PabulibError(line, _("%(found)d columns where the header has %(expected)d") % {
                "found": len(row), "expected": width})  # fmt: skip
        voter, vote = row[at_voter].strip(), items(row[at_vote])
        chosen = set(vote)
        points = None
        if at_points is not None:
            texts = items(row[at_points])
            try:
                points = tuple(map(int, texts))
            except ValueError:
                points = None
        if (voter in voters or len(chosen) != len(vote) or not chosen <= known
                or len(vote) < least or (most is not None and len(vote) > most)
                or (at_points is not None and (points is None or len(points) != len(vote)
                    or (points and min(points) < 0)
                    or (most_points is not None and sum(points) > most_points)))):  # fmt: skip
            values = dict(zip(header, row, strict=True))
            ballots.append(_ballot(line, values, projects, voters, vote_type, limits))
            continue  # _ballot raised unless the set-based checks were too strict
        voters.add(voter)
        ballots.append(Ballot(voter, vote, points))
    return ballots


def _ballot(line, values, projects, voters, vote_type, limits) -> Ballot:
    voter = values["voter_id"].strip()
    if voter in voters:
        raise PabulibError(line, _("voter %(id)s appears twice") % {"id": voter})
    voters.add(voter)
    vote = _list(values["vote"])
    for pid in vote:
        if pid not in projects:
            raise PabulibError(line, _("the vote names project %(id)s, not in PROJECTS") % {
                "id": pid})  # fmt: skip
    if len(set(vote)) != len(vote):
        raise PabulibError(line, _("the vote names a project twice"))
    if "min_length" in limits and len(vote) < limits["min_length"]:
        raise PabulibError(line, _("the vote names %(n)d projects, fewer than min_length") % {
            "n": len(vote)})  # fmt: skip
    if "max_length" in limits and len(vote) > limits["max_length"]:
        raise PabulibError(line, _("the vote names %(n)d projects, more than max_length") % {
            "n": len(vote)})  # fmt: skip
    points = None
    if vote_type == "cumulative":
        texts = _list(values["points"])
        if len(texts) != len(vote):
            raise PabulibError(line, _("%(p)d points for %(v)d projects") % {
                "p": len(texts), "v": len(vote)})  # fmt: skip
        points = tuple(_positive_int(line, "points", text) for text in texts)
        if "max_sum_points" in limits and sum(points) > limits["max_sum_points"]:
            raise PabulibError(line, _("%(sum)d points in all, more than max_sum_points") % {
                "sum": sum(points)})  # fmt: skip
    return Ballot(voter, vote, points)


def write(instance: Instance) -> str:
    """The instance as .pb text; META's counts, budget and vote type are the instance's."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\n")
    meta = dict(instance.meta)
    meta.update(
        num_projects=str(len(instance.projects)), num_votes=str(len(instance.ballots)),
        budget=format_amount(instance.budget), vote_type=instance.vote_type,
    )  # fmt: skip
    for key in ("min_length", "max_length", "max_sum_points"):
        if getattr(instance, key) is not None:
            meta[key] = str(getattr(instance, key))
    w.writerow(["META"])
    w.writerow(["key", "value"])
    w.writerows(meta.items())
    projects = instance.projects.values()
    optional = [c for c in ("category", "target") if any(getattr(p, c) for p in projects)]
    w.writerow(["PROJECTS"])
    w.writerow(["project_id", "cost", "name", *optional])
    for p in projects:
        w.writerow([p.id, format_amount(p.cost), p.name or "None",
                    *(",".join(getattr(p, c)) or "None" for c in optional)])  # fmt: skip
    w.writerow(["VOTES"])
    w.writerow(["voter_id", "vote", "points"] if instance.cumulative else ["voter_id", "vote"])
    for b in instance.ballots:
        row = [b.voter_id, ",".join(b.vote)]
        if instance.cumulative:
            row.append(",".join(map(str, b.points or ())))
        w.writerow(row)
    return out.getvalue()
