"""A real OpenID Connect provider for the sign-in tests: panva's oidc-provider, which
`make test` installs with npm (package.json), run by tests/oidc/provider.mjs on 127.0.0.1.

Without node or the package the tests that need it are skipped with a reason, except where
READINESS_REQUIRE_BROWSER=1 (as in CI), where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from readiness.sso_config import sign_on_from
from tests import servers

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
PACKAGE = ROOT / "node_modules" / "oidc-provider"
CLIENT_ID = "readiness-tests"
CLIENT_SECRET = "a-client-secret-for-the-tests-only"


def require_node() -> str:
    node = shutil.which("node")
    message = ""
    if node is None:
        message = "node is not installed (apt-get install nodejs npm)"
    elif not PACKAGE.exists():
        message = "oidc-provider is not installed (`make test` installs it with npm ci)"
    if message:
        if os.environ.get("READINESS_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return node


class Provider:
    """The running provider: its issuer, and the accounts people sign in as."""

    def __init__(self, *, redirect_uri: str, workdir: Path) -> None:
        self.port = servers.free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.accounts_file = workdir / "accounts.json"
        self.set_accounts({})
        self.log = workdir / "provider.log"
        self.process = subprocess.Popen(
            [
                require_node(),
                str(SCRIPT),
                str(self.port),
                CLIENT_ID,
                CLIENT_SECRET,
                redirect_uri,
                str(self.accounts_file),
            ],
            cwd=ROOT,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        discovery = f"{self.issuer}/.well-known/openid-configuration"
        try:
            servers.wait_for(
                lambda: self.process.poll() is None and servers.status_of(discovery) == 200,
                seconds=30,
                what="the OpenID Connect provider",
            )
        except BaseException:
            self.stop()
            raise AssertionError(f"the provider did not start: {self.log.read_text()}") from None

    def set_accounts(self, accounts: dict[str, dict]) -> None:
        self.accounts_file.write_text(json.dumps(accounts))

    def sign_on(self, *, issuer: str | None = None, **env: str):
        """The site's SignOn settings for this provider (`issuer` to point it elsewhere)."""
        return sign_on_from(
            {
                "OIDC_ISSUER": issuer or self.issuer,
                "OIDC_CLIENT_ID": CLIENT_ID,
                "OIDC_CLIENT_SECRET": CLIENT_SECRET,
                "OIDC_NAME": "Test Identity",
                **env,
            }
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
