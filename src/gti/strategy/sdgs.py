"""The 17 Sustainable Development Goals of the United Nations (Agenda 2030), with their official
short names: the reference a theme's `sdgs:` in the strategy files points into. Ghent reports
yearly on them; Dutch names as the Belgian federal SDG site writes them."""

from dataclasses import dataclass

from gti.translation import Translated


@dataclass(frozen=True)
class Goal:
    number: int
    name_nl: str
    name_en: str

    name = Translated("name")

    def __str__(self):
        return f"SDG {self.number} {self.name}"


GOALS = {
    g.number: g
    for g in (
        Goal(1, "Geen armoede", "No poverty"),
        Goal(2, "Geen honger", "Zero hunger"),
        Goal(3, "Goede gezondheid en welzijn", "Good health and well-being"),
        Goal(4, "Kwaliteitsonderwijs", "Quality education"),
        Goal(5, "Gendergelijkheid", "Gender equality"),
        Goal(6, "Schoon water en sanitair", "Clean water and sanitation"),
        Goal(7, "Betaalbare en duurzame energie", "Affordable and clean energy"),
        Goal(8, "Waardig werk en economische groei", "Decent work and economic growth"),
        Goal(
            9, "Industrie, innovatie en infrastructuur", "Industry, innovation and infrastructure"
        ),
        Goal(10, "Ongelijkheid verminderen", "Reduced inequalities"),
        Goal(11, "Duurzame steden en gemeenschappen", "Sustainable cities and communities"),
        Goal(12, "Verantwoorde consumptie en productie", "Responsible consumption and production"),
        Goal(13, "Klimaatactie", "Climate action"),
        Goal(14, "Leven in het water", "Life below water"),
        Goal(15, "Leven op het land", "Life on land"),
        Goal(
            16,
            "Vrede, justitie en sterke publieke diensten",
            "Peace, justice and strong institutions",
        ),
        Goal(17, "Partnerschap om doelstellingen te bereiken", "Partnerships for the goals"),
    )
}


def goals_of(numbers: list[int]) -> list[Goal]:
    """The goals with these numbers, in their UN order."""
    return [GOALS[n] for n in sorted(numbers) if n in GOALS]


def goal_dict(goal: Goal) -> dict:
    return {"number": goal.number, "name": {"nl": goal.name_nl, "en": goal.name_en}}
