"""Comments, watchers and attachments in the real workspace (uvicorn on loopback, a real SMTP
server): a mention reaches the mentioned person's mailbox with a link that opens the comment;
what people typed is escaped on the page; a refused comment keeps its text and names the
field; the JSON twins add, list, follow and unfollow, upload and download (only ever as a
download), and refuse what the page refuses."""

from __future__ import annotations

import re
from email.message import Message
from pathlib import Path

import httpx

from tests import processes
from tests.web.conftest import Workspace, csrf_of
from tests.web.helpers import new_improvement


def _mail_to(space: Workspace, email: str, subject: str) -> Message:
    assert space.mailbox is not None
    found: list[Message] = []

    def arrived() -> bool:
        found[:] = [
            m for m in space.mailbox.received if m["To"] == email and m["Subject"] == subject
        ]
        return bool(found)

    processes.wait_until(arrived, timeout=30, what=f"an e-mail to {email}")
    assert len(found) == 1, "told once"
    return found[0]


def _text(message: Message) -> str:
    return message.get_payload(decode=True).decode()  # type: ignore[union-attr,no-any-return]


def test_a_mention_e_mails_a_link_that_opens_the_comment_escaped(
    use: Workspace, tmp_path: Path
) -> None:
    shown = new_improvement(use, tmp_path)
    carmen = use.signed_in("carmen@example.org")
    page = f"/improvements/{shown}"
    said = "@lena-fischer <script>alert('x')</script> see [this](javascript:alert(1))"
    answer = carmen.post(
        f"{page}/comments", data={"csrf": csrf_of(carmen, page), "body": said, "gate": ""}
    )
    assert answer.status_code == 303
    number = int(answer.headers["location"].rsplit("comment-", 1)[1])
    message = _mail_to(use, "lena@example.org", f"{shown}: Carmen Ruiz mentioned you")
    link = re.search(r"http://\S+", _text(message))
    assert link is not None and link.group() == f"{use.url}{page}#comment-{number}"
    lena = use.signed_in("lena@example.org")
    opened = lena.get(link.group().removeprefix(use.url))
    assert opened.status_code == 200
    assert f'id="comment-{number}"' in opened.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in opened.text
    assert "<script>alert" not in opened.text
    assert 'href="javascript' not in opened.text  # a link is shown as the text it is


def test_a_refused_comment_keeps_its_text_names_the_field_and_stores_nothing(
    use: Workspace, tmp_path: Path
) -> None:
    shown = new_improvement(use, tmp_path)
    priya = use.signed_in("priya@example.org")
    page = f"/improvements/{shown}"
    token = csrf_of(priya, page)
    unknown = priya.post(f"{page}/comments", data={"csrf": token, "body": "ask @zed-nobody"})
    assert unknown.status_code == 400
    assert "comment: @zed-nobody is nobody in the register" in unknown.text
    assert ">ask @zed-nobody</textarea>" in unknown.text  # kept as typed
    huge = priya.post(f"{page}/comments", data={"csrf": token, "body": "x" * 1_048_576})
    assert huge.status_code == 400
    assert "comment: 1,048,576 characters; at most 10,000 are kept" in huge.text
    assert priya.get(f"/api{page}/comments").json() == []


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64


def test_the_json_twins_comment_follow_upload_and_download(use: Workspace, tmp_path: Path) -> None:
    shown = new_improvement(use, tmp_path)
    api = f"/api/improvements/{shown}"
    omar = use.signed_in("omar@example.org")
    omar.headers["X-CSRF-Token"] = csrf_of(omar, "/")
    added = omar.post(f"{api}/comments", json={"body": "Baseline?", "gate": "plan_approval"})
    assert added.status_code == 201
    assert added.json()["by"] == "Omar Haddad" and added.json()["gate"] == "plan_approval"
    refused = omar.post(f"{api}/comments", json={"body": "hi @zed-nobody"})
    assert refused.status_code == 400
    assert refused.json() == {"error": "comment: @zed-nobody is nobody in the register"}
    assert [c["body"] for c in omar.get(f"{api}/comments").json()] == ["Baseline?"]
    assert omar.put(f"{api}/watchers/me").json() == {"said": f"you follow {shown}"}
    assert omar.get(f"{api}/watchers").json() == {"watchers": ["Omar Haddad"], "following": True}
    assert omar.delete(f"{api}/watchers/me").json() == {"said": f"you no longer follow {shown}"}

    upload = omar.post(f"{api}/attachments", files={"file": ("chart «Q4».png", PNG, "image/png")})
    assert upload.status_code == 201, upload.text
    number = upload.json()["id"]
    download = omar.get(f"/improvements/{shown}/attachments/{number}")
    assert download.content == PNG
    assert download.headers["content-type"] == "image/png"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"chart _Q4_.png\"; filename*=UTF-8''chart%20%C2%ABQ4%C2%BB.png"
    )
    big = omar.post(
        f"{api}/attachments", files={"file": ("big.txt", b"x" * 10_000_001, "text/plain")}
    )
    assert big.status_code == 400
    assert big.json() == {
        "error": "file: 'big.txt' is larger than 10,000,000 bytes, the most an attachment holds"
    }
    with_comment = omar.post(
        f"{api}/attachments",
        files={"file": ("notes.txt", b"minutes\n", "text/plain")},
        data={"comment_id": str(added.json()["id"])},
    )
    assert with_comment.json()["comment_id"] == added.json()["id"]
    lying = omar.post(f"{api}/attachments", files={"file": ("x.pdf", b"<html>", "application/pdf")})
    assert lying.json() == {"error": "file: 'x.pdf' does not hold what a .pdf file holds"}
    listed = [a["filename"] for a in omar.get(f"{api}/attachments").json()]
    assert listed == ["chart «Q4».png", "notes.txt"]


def test_only_the_author_or_a_ci_manager_removes_on_the_page_and_the_api(
    use: Workspace, tmp_path: Path
) -> None:
    shown = new_improvement(use, tmp_path)
    api, page = f"/api/improvements/{shown}", f"/improvements/{shown}"
    lena = use.signed_in("lena@example.org")
    lena.headers["X-CSRF-Token"] = csrf_of(lena, "/")
    number = lena.post(f"{api}/comments", json={"body": "mine"}).json()["id"]
    priya = use.signed_in("priya@example.org")
    form = priya.get(page).text
    assert f'/comments/{number}/remove"' not in form  # no button she may not press
    token = csrf_of(priya, page)
    assert priya.post(f"{page}/comments/{number}/remove", data={"csrf": token}).status_code == 403
    twin = priya.delete(f"{api}/comments/{number}", headers={"X-CSRF-Token": token})
    assert twin.status_code == 403
    assert "only its author or a CI manager may" in twin.json()["error"]
    carmen = use.signed_in("carmen@example.org")
    removed = carmen.post(f"{page}/comments/{number}/remove", data={"csrf": csrf_of(carmen, page)})
    assert removed.status_code == 303
    assert carmen.get(f"{api}/comments").json() == []
    trail = [e["action"] for e in carmen.get(api).json()["audit"]]
    assert trail.count("forbidden") == 2 and "comment_removed" in trail


def test_a_download_needs_a_signed_in_person(use: Workspace, tmp_path: Path) -> None:
    shown = new_improvement(use, tmp_path)
    answer = httpx.get(f"{use.url}/api/improvements/{shown}/attachments/1", timeout=30)
    assert answer.status_code == 401
