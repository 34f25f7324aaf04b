# An asyncio TCP echo server and 20 concurrent clients over 127.0.0.1, then the same over ::1
# and UDP with a DatagramProtocol.
import asyncio, socket

async def handle(reader, writer):
    while data := await reader.read(4096):
        writer.write(data)
        await writer.drain()
    writer.close()
    await writer.wait_closed()

async def client(host, port, i):
    reader, writer = await asyncio.open_connection(host, port)
    msg = (f"client {i} " * (i + 1) * 50).encode()
    writer.write(msg)
    await writer.drain()
    got = await reader.readexactly(len(msg))
    writer.close()
    await writer.wait_closed()
    return got == msg

class Echo(asyncio.DatagramProtocol):
    def connection_made(self, t): self.t = t
    def datagram_received(self, data, addr): self.t.sendto(data.upper(), addr)

class Ask(asyncio.DatagramProtocol):
    def __init__(self, fut): self.fut = fut
    def datagram_received(self, data, addr): self.fut.set_result(data)

async def main():
    for host in ("127.0.0.1", "::1"):
        server = await asyncio.start_server(handle, host, 0)
        port = server.sockets[0].getsockname()[1]
        results = await asyncio.gather(*(client(host, port, i) for i in range(20)))
        print(host, "all echoed:", all(results), len(results))
        server.close()
        await server.wait_closed()
    loop = asyncio.get_running_loop()
    st, _ = await loop.create_datagram_endpoint(Echo, local_addr=("127.0.0.1", 0))
    port = st.get_extra_info("sockname")[1]
    fut = loop.create_future()
    ct, _ = await loop.create_datagram_endpoint(lambda: Ask(fut), remote_addr=("127.0.0.1", port))
    ct.sendto(b"datagram")
    print("udp:", await asyncio.wait_for(fut, 10))
    ct.close(); st.close()

asyncio.run(main())
