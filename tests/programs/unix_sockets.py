"""AF_UNIX from Python: socketpair, fd passing, a threaded echo server on a path and on an
abstract name, datagrams, selectors and multiprocessing's AF_UNIX connections. Deterministic output."""
import array
import multiprocessing.connection as mpc
import os
import selectors
import socket
import socketserver
import tempfile
import threading

# socketpair: both directions, then EOF.
a, b = socket.socketpair()
a.sendall(b"ping")
print("pair:", b.recv(16))
b.sendall(b"pong" * 1000)
got = b""
while len(got) < 4000:
    got += a.recv(65536)
print("pair bulk:", len(got))
a.shutdown(socket.SHUT_WR)
print("pair eof:", b.recv(16))
print("peer cred pid is me:", b.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)[:4] == os.getpid().to_bytes(4, "little"))
a.close(); b.close()

# Passing descriptors: a pipe's write end travels over the socket.
a, b = socket.socketpair()
r, w = os.pipe()
socket.send_fds(a, [b"fd"], [w])
msg, fds, flags, addr = socket.recv_fds(b, 16, 4)
os.write(fds[0], b"through the passed fd")
print("send_fds:", msg, len(fds), os.read(r, 64))
for fd in fds + [r, w]:
    os.close(fd)

# A threaded echo server on a filesystem path.
class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line.upper())

d = tempfile.mkdtemp()
path = os.path.join(d, "echo.sock")
srv = socketserver.ThreadingUnixStreamServer(path, Echo)
threading.Thread(target=srv.serve_forever, daemon=True).start()
print("socket file:", os.path.exists(path), oct(os.stat(path).st_mode)[:4])
results = []
def client(i):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.connect(path)
        f = c.makefile("rwb")
        f.write(b"hello %d\n" % i); f.flush()
        results.append(f.readline())
threads = [threading.Thread(target=client, args=(i,)) for i in range(5)]
for t in threads: t.start()
for t in threads: t.join()
print("echo:", sorted(results))
srv.shutdown(); srv.server_close()
os.unlink(path); os.rmdir(d)

# An abstract name, selectors, and a listener that refuses after close.
ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
ls.bind("\0sandbox-python-abstract")
ls.listen()
print("abstract name:", ls.getsockname())
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect("\0sandbox-python-abstract")
s, _ = ls.accept()
sel = selectors.DefaultSelector()
sel.register(s, selectors.EVENT_READ)
print("nothing yet:", sel.select(timeout=0))
c.send(b"x")
print("ready:", [k.fd == s.fileno() for k, _ in sel.select(timeout=5)])
s.close(); c.close(); ls.close()
try:
    socket.socket(socket.AF_UNIX).connect("\0sandbox-python-abstract")
except OSError as e:
    print("after close:", type(e).__name__)

# Datagrams keep their boundaries; names come back from recvfrom.
d1 = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
d1.bind("\0sandbox-python-dgram")
d2 = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
d2.bind("\0sandbox-python-dgram2")
for m in (b"one", b"two", b"three"):
    d2.sendto(m, "\0sandbox-python-dgram")
print("dgrams:", [d1.recvfrom(16) for _ in range(3)])

# multiprocessing's Listener/Client over AF_UNIX, with a child process.
with mpc.Listener(family="AF_UNIX") as listener:
    import multiprocessing as mp
    def child(address):
        with mpc.Client(address, family="AF_UNIX") as conn:
            conn.send({"sum": sum(conn.recv())})
    p = mp.get_context("fork").Process(target=child, args=(listener.address,))
    p.start()
    with listener.accept() as conn:
        conn.send(list(range(100)))
        print("multiprocessing:", conn.recv())
    p.join()
    print("child exit:", p.exitcode)
