"""HTTP clients of the sandbox's tests, calling Tempo and Jira the way the app does."""

from __future__ import annotations

from typing import Any

import requests

from sandbox.process import SandboxProcess


class TempoApi:
    """Calls the sandbox's Tempo API the way the app does: `Authorization: Bearer`."""

    def __init__(self, sandbox: SandboxProcess, token: str) -> None:
        self.base = f"{sandbox.tempo_url}/4"
        self.token = token
        self.session = requests.Session()
        self.session.trust_env = False

    def get(self, path: str, token: str | None = None, **params: Any) -> requests.Response:
        return self.request("GET", path, token=token, params=params)

    def request(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> requests.Response:
        url = path if path.startswith("http") else f"{self.base}{path}"
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return self.session.request(method, url, headers=headers, timeout=10, **kwargs)

    def all_worklogs(self) -> list[dict[str, Any]]:
        response = self.get("/worklogs", limit=5000)
        response.raise_for_status()
        return response.json()["results"]


class JiraApi:
    """Calls the sandbox's Jira the way the app does: `Authorization: Basic`, JSON."""

    def __init__(self, sandbox: SandboxProcess) -> None:
        self.base = sandbox.jira_url
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.auth = (sandbox.jira_email, sandbox.jira_api_token)

    def get(
        self, path: str, headers: dict[str, str] | None = None, **params: Any
    ) -> requests.Response:
        url = path if path.startswith("http") else f"{self.base}{path}"
        return self.session.get(url, params=params, headers=headers, timeout=10)

    def post(self, path: str, body: Any) -> requests.Response:
        return self.session.post(f"{self.base}{path}", json=body, timeout=10)

    def ok(self, path: str, **params: Any) -> Any:
        """GET, assert 200, and return the JSON."""
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()

    def jsm_pages(
        self, path: str, headers: dict[str, str] | None = None, **params: Any
    ) -> list[dict[str, Any]]:
        """Every page of a JSM list, following `_links.next` until `isLastPage`."""
        pages = []
        url: str | None = path
        while url:
            response = self.get(url, headers=headers, **(params if url == path else {}))
            assert response.status_code == 200, response.text
            pages.append(response.json())
            url = pages[-1]["_links"].get("next")
            assert (url is None) == pages[-1]["isLastPage"]
        return pages

    def jsm_values(self, path: str, **params: Any) -> list[dict[str, Any]]:
        return [value for page in self.jsm_pages(path, **params) for value in page["values"]]

    def search(self, jql: str, fields: list[str] | None = None, **body: Any) -> dict[str, Any]:
        payload: dict[str, Any] = {"jql": jql, **body}
        if fields is not None:
            payload["fields"] = fields
        response = self.post("/rest/api/3/search/jql", payload)
        assert response.status_code == 200, response.text
        return response.json()

    def search_all(
        self, jql: str, fields: list[str] | None = None, **body: Any
    ) -> list[dict[str, Any]]:
        """Every issue of a search, following `nextPageToken` until it is absent."""
        issues: list[dict[str, Any]] = []
        token = None
        while True:
            page = self.search(jql, fields, **body, **({"nextPageToken": token} if token else {}))
            issues += page["issues"]
            token = page.get("nextPageToken")
            assert page["isLast"] is (token is None)
            if token is None:
                return issues
