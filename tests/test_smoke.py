"""The app starts and its pages answer."""


def test_home_page_has_search_form_and_crisis_line(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="near"' in html
    assert "988" in html
    assert "Not medical advice" in html
