import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create the local administrator account once (user 'admin', a random password kept in "
        "GTI_DATA_DIR/admin-password.txt) and print how to log in. For local use only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="where the site runs")

    def handle(self, *args, url, **options):
        password_file = settings.DATA_DIR / "admin-password.txt"
        User = get_user_model()
        if not User.objects.filter(username="admin").exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser("admin", password=password)
            settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
        known = password_file.read_text().strip() if password_file.exists() else None
        self.stdout.write(f"Site:  {url}/")
        self.stdout.write(f"Login: {url}/accounts/login/  user 'admin' (also {url}/admin/)")
        if known:
            self.stdout.write(f"       password '{known}' (kept in {password_file})")
        else:
            self.stdout.write(
                "       password: as set before (reset with `gti changepassword admin`)"
            )
