def test_pages_render(client_as):
    client = client_as("jianfuban")
    for url in [
        "/burden/",
        "/burden/ranking/",
        "/burden/inspections/",
        "/burden/meetings/",
        "/burden/documents/",
        "/burden/apps/",
        "/burden/overtime/",
        "/burden/catalog/",
        "/burden/forms/",
        "/burden/forms/new/",
        "/burden/forms/report/",
        "/burden/reports/",
        "/burden/alerts/",
        "/burden/settings/",
        "/burden/voice/",
        "/burden/voice/answers/",
        "/burden/voice/follow/",
        "/burden/inspections/new/",
        "/burden/meetings/new/",
        "/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
