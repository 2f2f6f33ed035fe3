
from django.conf import settings
from django.db import migrations, models

SEARCH = "proposal_words_dutch"


def _search_index():
    # The same expression as opendata.operations.matching, so PostgreSQL can use it.
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    return GinIndex(SearchVector("title", "summary", config="dutch"), name=SEARCH)


def add_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":  # SQLite searches without one
        schema_editor.add_index(apps.get_model("proposals", "Proposal"), _search_index())


def remove_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("proposals", "Proposal"), _search_index())


class Migration(migrations.Migration):

    dependencies = [
        ('proposals', '0006_proposal_sdgs'),
        ('strategy', '0003_area_statistics'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='proposal',
            index=models.Index(fields=['state', 'reference'], name='proposal_state_reference'),
        ),
        migrations.RunPython(add_search_index, remove_search_index),
    ]
