"""The DCAT-AP description of the published lists (JSON-LD), so that an open-data portal
(the Flemish one, data.europa.eu) can harvest them: a catalogue with one dataset for the whole
GTI and one per city, each with its four distributions (CSV, JSON, XLSX, GeoJSON).

The files are made from the database at each download, so they are as new as the last change;
`dct:modified` is the day of that change (the latest `last_updated` of the dataset's rows).
Controlled vocabularies are the EU's (publications.europa.eu authority tables)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from gti.opendata import operations
from gti.strategy.models import City, Programme

EU = "http://publications.europa.eu/resource/authority"
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
MEDIA_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}
FILE_TYPES = {"csv": "CSV", "json": "JSON", "xlsx": "XLSX", "geojson": "GEOJSON"}


def _both(nl: str, en: str) -> list[dict]:
    return [{"@value": nl, "@language": "nl"}, {"@value": en, "@language": "en"}]


def _modified(city: str | None) -> str:
    days = [o.last_updated for o in operations.published(city)]
    return max(days) if days else timezone.localdate().isoformat()


def _dataset(url: Callable[[str, str | None], str], city: City | None, publisher: dict) -> dict:
    code = city.code if city else None
    where_nl = city.name_nl if city else "Antwerpen en Gent"
    where_en = city.name_en if city else "Antwerp and Ghent"
    page = url("opendata:portal", code)
    return {
        "@id": page,
        "@type": "dcat:Dataset",
        "dct:identifier": f"gti-operations{'-' + code if code else ''}",
        "dct:title": _both(
            f"Lijst van concrete acties GTI {where_nl} (EFRO Vlaanderen 2021-2027)",
            f"List of operations, ITI {where_en} (ERDF Flanders 2021-2027)",
        ),
        "dct:description": _both(
            "De goedgekeurde projecten van de geïntegreerde territoriale investering, met "
            "begunstigde, doel en resultaten, kosten, EU-bijdrage en locatie "
            "(Verordening (EU) 2021/1060, art. 49, lid 3).",
            "The approved projects of the integrated territorial investment, with beneficiary, "
            "purpose and achievements, costs, EU contribution and location "
            "(Regulation (EU) 2021/1060, art. 49(3)).",
        ),
        "dct:publisher": publisher,
        "dct:modified": {"@value": _modified(code), "@type": "xsd:date"},
        "dct:accrualPeriodicity": {"@id": f"{EU}/frequency/CONT"},
        "dct:language": [{"@id": f"{EU}/language/NLD"}, {"@id": f"{EU}/language/ENG"}],
        "dct:spatial": {"@id": f"{EU}/country/BEL"},
        "dcat:theme": [{"@id": f"{EU}/data-theme/ECON"}, {"@id": f"{EU}/data-theme/GOVE"}],
        "dcat:keyword": [*_both("EFRO", "ERDF"), *_both("stedelijk", "urban")],
        "dcat:landingPage": {"@id": page},
        "dcat:distribution": [
            {
                "@type": "dcat:Distribution",
                "dct:title": FILE_TYPES[fmt],
                "dcat:accessURL": {"@id": page},
                "dcat:downloadURL": {"@id": url("opendata:download", code, fmt)},
                "dcat:mediaType": {"@id": f"https://www.iana.org/assignments/media-types/{mt}"},
                "dct:format": {"@id": f"{EU}/file-type/{FILE_TYPES[fmt]}"},
                "dct:license": {"@id": settings.GTI_OPENDATA_LICENSE},
            }
            for fmt, mt in MEDIA_TYPES.items()
        ],
    }


def catalog(absolute: Callable[[str], str]) -> dict:
    """The catalogue; `absolute(path)` makes a path a full address of this site."""

    def url(name: str, city: str | None, fmt: str | None = None) -> str:
        with translation.override(settings.LANGUAGE_CODE):  # the addresses without /en/
            path = reverse(name, kwargs={"fmt": fmt} if fmt else None)
        return absolute(path + (f"?city={city}" if city else ""))

    programme = Programme.objects.filter(is_current=True).first()
    name = programme.name_nl if programme else "EFRO Vlaanderen"
    publisher = {"@type": "foaf:Agent", "foaf:name": f"Beheersautoriteit {name}"}
    cities = [None, *City.objects.filter(strategies__is_current=True).distinct().order_by("code")]
    return {
        "@context": CONTEXT,
        "@id": absolute(reverse("opendata:catalog")),
        "@type": "dcat:Catalog",
        "dct:title": _both("Open data van de GTI", "Open data of the ITI"),
        "dct:description": _both(
            "De lijsten van concrete acties van de geïntegreerde territoriale investering "
            "Antwerpen en Gent.",
            "The lists of operations of the integrated territorial investment of Antwerp "
            "and Ghent.",
        ),
        "dct:publisher": publisher,
        "dct:license": {"@id": settings.GTI_OPENDATA_LICENSE},
        "dcat:dataset": [_dataset(url, city, publisher) for city in cities],
    }
