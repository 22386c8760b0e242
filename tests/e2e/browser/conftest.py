"""Browser tests: a real API process (uvicorn, scripted model) and Debian's headless Chromium.

Playwright drives the system Chromium (``/usr/bin/chromium``); it never downloads a browser.
``scripts/install_browser.sh`` (run by ``make test``) installs Chromium; without it these tests
skip, saying so.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from services.bootstrap import bootstrap
from services.migrate import upgrade
from services.seed.demo import DemoSeeder
from services.users.passwords import Argon2PasswordHasher
from tests.conftest import make_settings
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "correct horse battery"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("DOMTOK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Flags that run headless as root in a container (see shared notes: Browser tests).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not Path(CHROMIUM).exists():
    pytest.skip(
        f"Chromium not found at {CHROMIUM}: run scripts/install_browser.sh (make test does)",
        allow_module_level=True,
    )


@dataclass(frozen=True)
class ShopServer:
    """A running API process and where its data lives."""

    url: str
    data_dir: Path


def _seed(data_dir: Path) -> str:
    """Migrate and load the demo shop, in a thread: Playwright's sync API runs a loop here.

    Returns the database URL, which the server process must be given: it does not inherit the
    test run's ``DOMTOK_*`` variables.
    """
    settings = make_settings(data_dir)

    async def run() -> None:
        container = bootstrap(settings)
        try:
            await DemoSeeder(container.uow, Argon2PasswordHasher(fast=True)).run()
        finally:
            await container.aclose()

    def migrate_and_seed() -> None:
        upgrade(settings.database_url)
        asyncio.run(run())

    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(migrate_and_seed).result()
    return settings.database_url


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the API exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"the API did not answer in time:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def shop_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShopServer]:
    """The demo shop served by a real uvicorn process with the scripted model."""
    data_dir = tmp_path_factory.mktemp("browser-shop")
    database_url = _seed(data_dir)
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("DOMTOK_")}
    env.update(
        {
            "DOMTOK_DATA_DIR": str(data_dir),
            "DOMTOK_DATABASE_URL": database_url,
            "DOMTOK_ENVIRONMENT": "test",
            "DOMTOK_MODEL_PROVIDER": "scripted",
        }
    )
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "api.app:app_factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    log = data_dir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield ShopServer(url, data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium from the system, driven by Playwright."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, shop_server: ShopServer) -> Iterator[Page]:
    """A fresh browser context (no cookies, empty session storage) on a desktop-sized window.

    Console errors and uncaught exceptions (a CSP violation, a script error) fail the test.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    context.set_default_timeout(30_000)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    opened.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}")
            if message.type == "error" and "status of 401" not in message.text
            else None
        ),
    )
    opened.goto(shop_server.url + "/")
    try:
        yield opened
    finally:
        context.close()
    assert not problems, problems


class Screens:
    """Numbered screenshots of one test under test-artifacts/browser/ (``[prefix-]NN-step.png``)."""

    def __init__(self, page: Page, prefix: str = "") -> None:
        self.page = page
        self.prefix = f"{prefix}-" if prefix else ""
        self.count = 0
        self.saved: list[Path] = []

    def shot(self, step: str) -> Path:
        """Save ``[prefix-]NN-step.png`` of the current viewport."""
        self.count += 1
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.prefix}{self.count:02d}-{step}.png"
        self.page.screenshot(path=str(path))
        self.saved.append(path)
        return path


@pytest.fixture
def screens(page: Page) -> Screens:
    """Screenshot helper for the test's page."""
    return Screens(page)


def register_shopper(server: ShopServer, email: str, with_address: bool) -> None:
    """Open an account through the API (and give it an address), as a returning shopper has."""
    with httpx.Client(base_url=f"{server.url}/api/v1", timeout=30) as http:
        body = {"email": email, "password": PASSWORD, "name": "Robin Shopper"}
        assert http.post("/auth/register", json=body).status_code == 201
        if not with_address:
            return
        tokens = http.post("/auth/login", json={"email": email, "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        address = {"recipient": "Robin", "line1": "1 Main St", "city": "Springfield",
                   "zip": "12345", "country": "US"}  # fmt: skip
        assert http.post("/users/me/addresses", json=address, headers=headers).status_code == 201


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the form and wait for the chat."""
    form = page.get_by_role("tabpanel", name="Sign in")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Sign in").click()
    page.locator("#shop-view").wait_for(state="visible")
