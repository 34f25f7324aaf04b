# curl (a separate process) fetching from a python http.server on 127.0.0.1 and [::1].
import http.server, hashlib, os, subprocess, sys, tempfile, threading

root = tempfile.mkdtemp(prefix="sbx-curl-")
payload = bytes((i * 13) % 251 for i in range(1_000_000))
with open(os.path.join(root, "data"), "wb") as f:
    f.write(payload)

class Quiet(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=root, **k)
    def log_message(self, *a):
        pass

class V6(http.server.ThreadingHTTPServer):
    address_family = __import__("socket").AF_INET6

for cls, host, url in ((http.server.ThreadingHTTPServer, "127.0.0.1", "127.0.0.1"), (V6, "::1", "[::1]")):
    srv = cls((host, 0), Quiet)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    out = subprocess.run(["curl", "-sS", "-g", "-o", "-", "-w", "\n%{http_code}", f"http://{url}:{srv.server_address[1]}/data"],
                         capture_output=True)
    body, _, code = out.stdout.rpartition(b"\n")
    print(host, "exit", out.returncode, "code", code.decode(), "len", len(body), "same", hashlib.sha256(body).digest() == hashlib.sha256(payload).digest(), out.stderr.decode().strip())
    srv.shutdown()
    srv.server_close()
os.unlink(os.path.join(root, "data"))
os.rmdir(root)
