import datetime

from django.db import migrations, models


def expire_existing(apps, schema_editor):
    """Keys made before keys expired get the default lifetime from the day they were made."""
    ApiToken = apps.get_model("accounts", "ApiToken")
    for token in ApiToken.objects.all():
        token.expires_at = token.created_at + datetime.timedelta(days=90)
        token.save(update_fields=["expires_at"])


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_role_requests_invitations"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="expires"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="revoked"),
        ),
        migrations.RunPython(expire_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="expires"),
        ),
    ]
