# Python features that exercise threads, futexes, subprocesses, hashing and JSON.
import hashlib, json, os, subprocess, sys, threading, queue

q = queue.Queue()
def worker(n):
    h = hashlib.sha256()
    for i in range(2000):
        h.update(f"{n}:{i}".encode())
    q.put((n, h.hexdigest()[:16]))
threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print("threads", sorted(q.get() for _ in threads))
out = subprocess.run(["/bin/sh", "-c", "echo from a child; exit 3"], capture_output=True, text=True)
print("subprocess", out.returncode, out.stdout.strip())
print("json", json.dumps({"nested": [1, 2, {"x": None}], "pi": 3.25}, sort_keys=True))
lock = threading.Lock(); counter = [0]
def bump():
    for _ in range(5000):
        with lock: counter[0] += 1
ts = [threading.Thread(target=bump) for _ in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print("lock counter", counter[0])
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r); os.write(w, b"hello through a pipe"); os._exit(7)
os.close(w)
print("fork", os.read(r, 100).decode(), os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
