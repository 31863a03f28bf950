"""The app in headless Chromium: chat, SPARQL, network (drawn, clicked, downloaded), timeline, upload.

Starts the real server on a free 127.0.0.1 port in a thread and saves a
screenshot of each tab under ``test-output/screenshots/`` (the chat and network
ones are copied to ``docs/`` for the README when PLANKG_UPDATE_SCREENSHOTS=1).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import networkx as nx
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "test-output" / "screenshots"
DOCS = ROOT / "docs"
POLICE = "https://w3id.org/plankg/id/agency/青岛/市公安局"

if not CHROMIUM.exists():
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(kg, tmp_path_factory):
    import uvicorn

    from ui.app import create_server

    port = free_port()
    started = time.perf_counter()
    server = uvicorn.Server(uvicorn.Config(create_server(kg, out_dir=tmp_path_factory.mktemp("app")),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive() or time.perf_counter() - started > 30:
            pytest.fail("the app did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(app_url, wait_until="load")
    page.get_by_text("示例问题").wait_for()
    yield page
    context.close()


def screenshot(page, name: str, *, docs: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if docs and os.environ.get("PLANKG_UPDATE_SCREENSHOTS"):  # the README's pictures, on request
        DOCS.mkdir(exist_ok=True)
        shutil.copy(path, DOCS / f"screenshot-{name}.png")


def test_chat_answers_and_follows_up(page):
    page.locator("#question textarea").fill("市公安局牵头哪些事项")
    page.locator("#ask").click()
    chat = page.locator("#chat")
    chat.get_by_text("加强重点医院学校景区周边交通拥堵整治").first.wait_for()
    chat.get_by_text("查看 SPARQL 查询").first.wait_for()
    page.get_by_role("button", name="那市交通运输局呢？").click()
    chat.get_by_text("推进城区周边高速公路、城市快速路声屏障安装工作").first.wait_for()
    chat.locator("summary").last.click()  # open the collapsed SPARQL
    chat.get_by_text("pk:leadAgency").last.wait_for()
    assert "Traceback" not in page.content()
    screenshot(page, "chat", docs=True)


def test_sparql_table_and_syntax_error(page):
    page.get_by_role("tab", name="SPARQL").click()
    page.locator("#run-query").click()
    page.locator("#query-status").get_by_text("11 行结果").wait_for()
    page.locator("#query-table").get_by_text("市公安局").first.wait_for()
    screenshot(page, "sparql")
    page.locator("#sparql-editor .cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("SELECT ?x WHERE { ?x pk:itemNo }")
    page.locator("#run-query").click()
    page.locator("#query-status").get_by_text("Error: error at line 1, column").wait_for()
    assert "Traceback" not in page.content()


def test_network_is_drawn_clicked_and_downloaded(page, tmp_path):
    page.get_by_role("tab", name="责任网络").click()
    frame = page.frame_locator("#plankg-network")
    frame.locator("body[data-drawn=true]").wait_for()
    assert frame.locator("#network canvas").count() == 1
    page.locator("#load-table").get_by_text("市城市管理局").first.wait_for()
    # click the 市公安局 node where vis-network drew it: the panel lists its items
    x, y = frame.locator("body").evaluate(
        "(body, id) => { const n = window.plankgNetwork; const p = n.canvasToDOM(n.getPosition(id)); return [p.x, p.y]; }",
        POLICE)
    frame.locator("#network canvas").click(position={"x": x, "y": y})
    frame.locator("#info").get_by_text("牵头事项（1）").wait_for()
    frame.locator("#info").get_by_text("4. 加强重点医院学校景区周边交通拥堵整治").wait_for()
    screenshot(page, "network", docs=True)
    link = page.locator('#network-files a[href*="plankg-network.graphml"]').first
    with page.expect_download() as download:
        link.click()
    target = tmp_path / "view.graphml"
    download.value.save_as(target)
    graph = nx.read_graphml(target)
    assert graph.nodes[POLICE]["label"] == "市公安局"
    assert sorted(d["itemNo"] for _, d in graph.nodes(data=True) if d["type"] == "Item") == list(range(1, 12))


def test_network_filter_by_domain(page):
    page.get_by_role("tab", name="责任网络").click()
    page.locator("#network-status").get_by_text("11 个事项").wait_for()
    page.get_by_label("领域").click()
    page.get_by_role("option", name="交通出行").click()
    page.locator("#network-status").get_by_text("2 个事项").wait_for()
    page.frame_locator("#plankg-network").locator("body[data-drawn=true]").wait_for()


def test_timeline(page):
    page.get_by_role("tab", name="进度").click()
    page.locator("#gantt img").wait_for()
    page.locator("#targets").get_by_text("1000 → 3000 → 7000 → 10000").wait_for()
    screenshot(page, "timeline")


def test_bad_upload_shows_an_error_and_keeps_the_graph(page, tmp_path):
    page.get_by_role("tab", name="数据").click()
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02\xff" * 64)
    page.locator("#upload input[type=file]").set_input_files(str(bad))
    page.locator("#upload-status").get_by_text("Error: bad.txt: looks like a binary file").wait_for()
    page.get_by_text("事项 11，").first.wait_for()
    assert "Traceback" not in page.content()
    screenshot(page, "data")
