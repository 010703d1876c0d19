"""What every page sends to the browser to stay safe: CSP with a nonce, CSRF for HTMX."""

import re


def test_pages_allow_only_their_own_nonced_scripts(client, manager, sample_release):
    client.force_login(manager)
    response = client.get("/releases/")
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    scripts = re.findall(r"<script[^>]*>", response.text)
    assert scripts, "htmx must be on the page"
    for tag in scripts:
        assert f'nonce="{nonce}"' in tag
        assert "src=" in tag, "no inline scripts"
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_htmx_is_served_from_our_own_static_files(client, manager):
    client.force_login(manager)
    page = client.get("/releases/").text
    assert re.search(r'<script src="/static/django_htmx/htmx-2[^"]*\.js"', page)
    assert "https://" not in "".join(re.findall(r"<script[^>]*>", page))


def test_htmx_sends_the_csrf_token_from_the_body(client, manager):
    client.force_login(manager)
    page = client.get("/releases/").text
    body = re.search(r"<body[^>]*>", page).group(0)
    assert "hx-headers" in body and "X-CSRFToken" in body
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', page).group(1)
    assert '"historyRestoreAsHxRequest": false' in config
    assert '"code": "422", "swap": true' in config
