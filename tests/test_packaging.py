"""The built wheel carries what the site needs: templates, static files, migrations."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

from tests.conftest import ROOT

SERVE_FROM_WHEEL = textwrap.dedent(
    """
    import sys
    from directory import create_app
    from directory.cli import apply_migrations
    from directory.extensions import db
    from directory.listings import seeding

    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[1]})
    assert app.template_folder == "templates", app.template_folder
    with app.app_context():
        apply_migrations()
        seeding.load_taxonomy(db.session)
        db.session.commit()
    client = app.test_client()
    for path in ("/", "/about", "/regions", "/costs", "/account/login", "/static/css/site.css",
                 "/static/vendor/leaflet/leaflet.js"):
        status = client.get(path).status_code
        print(path, status)
        assert status == 200, path
    spanish = client.get("/about?lang=es").get_data(as_text=True)
    assert "Cómo funciona este directorio" in spanish, "the Spanish catalogue is missing"
    print("spanish ok")
    """
)


def test_an_install_from_the_wheel_serves_every_kind_of_page(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for expected in (
        "directory/templates/base.html",
        "directory/static/css/site.css",
        "directory/migrations/alembic.ini",
        "directory/migrations/script.py.mako",
        "directory/translations/es/LC_MESSAGES/messages.po",
        "directory/translations/es/LC_MESSAGES/messages.mo",
    ):
        assert expected in names, expected
    assert not any("axe" in name for name in names), "test-only files stay out of the package"
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    # Run outside the checkout, with the unpacked wheel first on the path.
    result = subprocess.run(
        [sys.executable, "-c", SERVE_FROM_WHEEL, str(tmp_path / "db.sqlite3")],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "/static/css/site.css 200" in result.stdout
    assert "spanish ok" in result.stdout
