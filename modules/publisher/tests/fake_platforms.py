"""Local fake VK and Telegram APIs that answer like the real ones, with
faults scripted per reply text: VK error 6 and 5, HTTP 429 with
``Retry-After``/``retry_after``, 5xx, and a reply that is stored but whose
answer never comes in time (a timeout after posting) or hangs until released
(so a publisher can be killed after posting and before reporting)."""
from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

VK_TOKEN = "vk-test-token"
TG_TOKEN = "123:tg-test-token"


class Platforms:
    """Both fake APIs on one loopback port: VK under ``/method/``, Telegram under ``/bot<token>/``."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        """Seconds each write takes (a slow platform)."""
        self.faults: dict[str, list[str]] = {}
        """Reply text → faults for its next calls, in order (``error6``, ``error5``, ``http429``,
        ``http500``, ``slow_after_post``, ``hang_after_post``, ``tg400``)."""
        self.vk_comments: dict[tuple[int, int], list[dict[str, Any]]] = {}
        self.tg_messages: list[dict[str, Any]] = []
        self.calls: list[tuple[str, str]] = []
        self.release = threading.Event()
        self.hanging = threading.Event()
        self._lock = threading.Lock()
        self._next_id = 1000
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "Platforms":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def posts_of(self, text: str) -> int:
        """How many times a reply with this text was posted, on both platforms."""
        with self._lock:
            vk = sum(1 for items in self.vk_comments.values() for c in items if c["text"] == text)
            return vk + sum(1 for m in self.tg_messages if m["text"] == text)

    def _fault(self, text: str) -> Optional[str]:
        with self._lock:
            queue = self.faults.get(text)
            return queue.pop(0) if queue else None

    def _id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        platforms = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any, headers: Optional[dict[str, str]] = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:
                    pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path.startswith("/method/"):
                    fields = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()}
                    return self._vk(self.path[len("/method/"):], fields)
                if self.path.startswith("/bot"):
                    token, _, method = self.path[4:].partition("/")
                    return self._telegram(token, method, json.loads(raw or b"{}"))
                self._send(404, {"ok": False})

            def _vk(self, method: str, f: dict[str, str]) -> None:
                platforms.calls.append(("vk", method))
                if f.get("access_token") != VK_TOKEN:
                    return self._send(200, {"error": {"error_code": 5, "error_msg": "User authorization failed"}})
                key = (int(f.get("owner_id", "0")), int(f.get("post_id", "0")))
                if method == "wall.getComments":
                    with platforms._lock:
                        items = list(reversed(platforms.vk_comments.get(key, [])))
                    offset, count = int(f.get("offset", "0")), int(f.get("count", "20"))
                    return self._send(200, {"response": {"count": len(items), "items": items[offset:offset + count]}})
                if method != "wall.createComment":
                    return self._send(200, {"error": {"error_code": 3, "error_msg": "Unknown method passed"}})
                text = f.get("message", "")
                fault = platforms._fault(text)
                if fault == "error6":
                    return self._send(200, {"error": {"error_code": 6, "error_msg": "Too many requests per second"}})
                if fault == "error5":
                    return self._send(200, {"error": {"error_code": 5, "error_msg": "User authorization failed"}})
                if fault == "http429":
                    return self._send(429, {"error": "too many"}, {"Retry-After": "1"})
                if fault == "http500":
                    return self._send(502, {"error": "bad gateway"})
                time.sleep(platforms.delay)
                comment = {"id": platforms._id(), "from_id": -1, "text": text, "date": int(time.time())}
                with platforms._lock:
                    platforms.vk_comments.setdefault(key, []).append(comment)
                if fault == "slow_after_post":
                    time.sleep(3)  # longer than the publisher's HTTP timeout
                if fault == "hang_after_post":
                    platforms.hanging.set()
                    platforms.release.wait(60)
                self._send(200, {"response": {"comment_id": comment["id"], "parents_stack": []}})

            def _telegram(self, token: str, method: str, body: dict[str, Any]) -> None:
                platforms.calls.append(("telegram", method))
                if token != TG_TOKEN:
                    return self._send(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                if method != "sendMessage":
                    return self._send(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                text = body.get("text", "")
                fault = platforms._fault(text)
                if fault == "http429":
                    return self._send(429, {"ok": False, "error_code": 429,
                                            "description": "Too Many Requests: retry after 1",
                                            "parameters": {"retry_after": 1}})
                if fault == "tg400":
                    return self._send(400, {"ok": False, "error_code": 400,
                                            "description": "Bad Request: message to be replied not found"})
                if fault == "http500":
                    return self._send(500, {"ok": False, "error_code": 500, "description": "Internal Server Error"})
                if not isinstance(body.get("reply_parameters"), dict) or not str(body.get("chat_id", "")):
                    return self._send(400, {"ok": False, "error_code": 400, "description": "Bad Request"})
                time.sleep(platforms.delay)
                message = {"message_id": platforms._id(), "chat": {"username": str(body["chat_id"])[1:]},
                           "text": text, "reply_to_message": {"message_id": body["reply_parameters"]["message_id"]}}
                with platforms._lock:
                    platforms.tg_messages.append(message)
                self._send(200, {"ok": True, "result": message})

        return Handler
