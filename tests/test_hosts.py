"""A malformed Host header gets a 400 page, never a 500."""

from __future__ import annotations

import pytest

from webui.hosts import is_valid_host


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost", "fahras.example.org", "[::1]:8000", "a" * 63 + ".x"])
def test_valid_hosts(host):
    assert is_valid_host(host)


@pytest.mark.parametrize("host", ["a" * 64 + ".example", "bad host", "x" * 300, "évil.example", "a..b", "<script>"])
def test_invalid_hosts(host):
    assert not is_valid_host(host)


@pytest.mark.parametrize("path", ["/", "/?q=العراق", "/doc/x", "/api/search?q=x", "/no-such-page"])
def test_a_long_host_label_is_a_bad_request(web_client, path):
    response = web_client.get(path, headers={"Host": "a" * 64 + ".example"})
    assert response.status_code == 400
    assert "غير صالح" in response.get_data(as_text=True)


def test_an_ordinary_host_is_served(web_client):
    assert web_client.get("/", headers={"Host": "127.0.0.1:8000"}).status_code == 200
