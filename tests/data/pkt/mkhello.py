#!/usr/bin/env python3
"""Write clienthello.bin: the first flight of a TLS client, as a push
device would send it to its courier (SNI x.courier.push.apple.com, ALPN
apns-security-v3).  Python's ssl module writes into a MemoryBIO, so no
network is used at all."""
import ssl
import sys

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.set_alpn_protocols(["apns-security-v3"])
incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(incoming, outgoing, server_hostname="x.courier.push.apple.com")
try:
    tls.do_handshake()
except ssl.SSLWantReadError:
    pass
hello = outgoing.read()
with open(sys.argv[1] if len(sys.argv) > 1 else "clienthello.bin", "wb") as f:
    f.write(hello)
print(len(hello), "bytes")
