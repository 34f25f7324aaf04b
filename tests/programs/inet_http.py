# python3 -m http.server's handler on 127.0.0.1 in a thread, fetched with urllib by the same
# process: GET of a file and a directory listing, HEAD, a 404, and a POST answered 501.
import http.server, os, sys, tempfile, threading, urllib.error, urllib.request

root = tempfile.mkdtemp(prefix="sbx-http-")
payload = bytes((i * 7 + 3) % 256 for i in range(300_000))
with open(os.path.join(root, "blob.bin"), "wb") as f:
    f.write(payload)
with open(os.path.join(root, "hello.txt"), "w") as f:
    f.write("hello over loopback\n")

class Quiet(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=root, **k)
    def log_message(self, *a):
        pass

srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
port = srv.server_address[1]
threading.Thread(target=srv.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{port}"

r = urllib.request.urlopen(base + "/hello.txt")
print(r.status, r.headers["Content-Type"], repr(r.read()))
body = urllib.request.urlopen(base + "/blob.bin").read()
print("blob", len(body), body == payload)
listing = urllib.request.urlopen(base + "/").read().decode()
print("listing has both:", "blob.bin" in listing and "hello.txt" in listing)
head = urllib.request.urlopen(urllib.request.Request(base + "/blob.bin", method="HEAD"))
print("HEAD", head.status, head.headers["Content-Length"], len(head.read()))
for path, data in (("/missing", None), ("/hello.txt", b"x=1")):
    try:
        urllib.request.urlopen(base + path, data=data)
    except urllib.error.HTTPError as e:
        print(path, "->", e.code)
srv.shutdown()
srv.server_close()
for n in os.listdir(root):
    os.unlink(os.path.join(root, n))
os.rmdir(root)
print("done")
