"""An admin uploads a CSV file in a real browser, confirms it, and resolves a duplicate."""

from __future__ import annotations

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, shot

HEADER = "source,external_id,name,address_1,city,state,postal_code,phones,treatments\n"


def _sign_in(page, url: str) -> None:
    page.goto(url + "/account/login")
    page.fill("#email", ADMIN_EMAIL)
    page.fill("#password", ADMIN_PASSWORD)
    page.click("main button[type=submit]")


def test_admin_uploads_a_csv_and_resolves_a_possible_duplicate(live_server, new_page, viewport):
    url = live_server.url
    # A published example clinic whose phone the file repeats under another name.
    slug, phone = live_server.query(
        "SELECT c.slug, p.e164 FROM clinics c JOIN phones p ON p.clinic_id = c.id "
        "WHERE c.status = 'published' AND c.is_example ORDER BY c.id LIMIT 1"
    )[0]
    source = f"browser-{viewport}"
    n = 1 if viewport == "desktop" else 2  # each run's rows differ from the other's
    rows = (
        f"{source},1,Quarry Lane Ketamine {viewport},1{n} Quarry Lane,Ann Arbor,MI,48104,"
        f"(734) 555-011{n},iv-infusion\n"
        f"{source},2,Look-alike Clinic {viewport},50{n} Example Road,Chicago,IL,60601,"
        f"{phone},\n"
    )
    admin = new_page()
    _sign_in(admin, url)
    admin.goto(url + "/admin/imports")
    assert admin.locator("a:has-text('Download the CSV template')").count() == 1
    shot(admin, "import-upload", viewport)
    admin.set_input_files(
        "#file",
        files=[
            {"name": "state-list.csv", "mimeType": "text/csv", "buffer": (HEADER + rows).encode()}
        ],
    )
    admin.click("button:has-text('Check the file')")
    summary = admin.inner_text("ul.counts")
    assert "New: 1" in summary and "Possible duplicates: 1" in summary, admin.inner_text("main")
    assert f"possible duplicate of {slug}" in admin.inner_text("main")
    shot(admin, "import-dry-run", viewport)

    admin.click("button:has-text('Import state-list.csv')")
    assert "/admin/duplicates" in admin.url
    assert "Imported 2 rows: 1 new" in admin.inner_text(".flashes")
    card = admin.locator("article.card", has_text=f"Look-alike Clinic {viewport}")
    assert "possible duplicate of" in card.locator("h3").inner_text()
    shot(admin, "import-duplicates", viewport)

    if viewport == "desktop":
        card.locator("button:has-text('Keep apart')").click()
        assert "Kept apart" in admin.inner_text(".flashes")
    else:
        card.locator("button:has-text('Merge into')").click()
        assert "Merged into" in admin.inner_text(".flashes")
    admin.wait_for_load_state()  # the whole queue, not only its top
    assert admin.locator("article.card", has_text=f"Look-alike Clinic {viewport}").count() == 0
    shot(admin, "import-duplicate-resolved", viewport)

    admin.goto(url + "/admin/")
    queue = admin.inner_text("main")
    assert f"Quarry Lane Ketamine {viewport}" in queue
