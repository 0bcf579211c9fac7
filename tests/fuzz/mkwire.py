#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Write the seed corpus of fuzz_wire (corpus/wire).

Each input is fuzz_wire.c's kind byte, its behaviour byte, the ALPN the
TLS server picks (length, bytes) and what the server sends:
- tls and courier: nothing, a few bytes, a 40 KB stream, at each end
  (close_notify, close, reset, wait), TLS 1.2 and 1.3, a client
  certificate asked for or insisted on, ALPN offered, not offered, binary;
- the proxy: squid's real CONNECT answers (tests/data/http/proxy/), a 200
  followed by TLS, cut and oversized answers;
- smb and afp: samba's and netatalk's real replies (tests/data/smb/,
  tests/data/afp/), whole, cut, in pieces;
- apns: the HTTP/2 answer APNs gives a request without a provider token
  (SETTINGS, its ACK, HEADERS :status 403, DATA {"reason":...}, GOAWAY);
- http, https, mdm and sus: nginx's real responses (tests/data/http/,
  those without a Location: fuzz_wire does not run redirects), Jamf Pro's
  health page ("[]", and the JSON it gives while starting), a Software
  Update catalog, whole, in pieces and cut;
- time: chronyd's real answer (tests/data/ntp/), its originate time set
  from the request as a server sets it, or not, in one datagram or many;
- fetch (http and https): a PAC file served whole, chunked, cut short of
  its length, and a 404.

Usage: mkwire.py   (writes next to this script; removes nothing)
"""
import hashlib
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(HERE, "corpus", "wire")

(K_TLS, K_COURIER, K_TUNNEL, K_SMB, K_AFP, K_APNS, K_HTTP, K_HTTPS, K_MDM, K_SUS, K_TIME,
 K_FETCH, K_FETCHS) = range(13)
END_NOTIFY, END_CLOSE, END_RESET, END_WAIT = range(4)
F_TLS12, F_ASK_CERT, F_NEED_CERT, F_PIECES, F_TLS_AFTER = 0x04, 0x08, 0x10, 0x20, 0x40
F_ECHO = 0x40


def seed(kind, flags, alpn=b"", payload=b""):
    return bytes([kind, flags, len(alpn)]) + alpn + payload


def frame(ftype, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack(">I", stream) + payload


def apns_answer(reason, status=b"403"):
    # HPACK: literal without indexing, name :status (static index 8).
    hdr = bytes([0x08, len(status)]) + status
    body = b'{"reason":"' + reason + b'"}'
    return (frame(4, 0, 0, b"") + frame(4, 1, 0, b"") +
            frame(1, 4, 1, hdr) + frame(0, 1, 1, body) +
            frame(7, 0, 0, struct.pack(">II", 1, 0)))


def read(*parts):
    with open(os.path.join(TOP, "tests", "data", *parts), "rb") as f:
        return f.read()


def main():
    seeds = []
    for end in range(4):
        for proto in (0, F_TLS12):
            seeds.append(seed(K_TLS, end | proto))
            seeds.append(seed(K_TLS, end | proto, b"h2", b"hello"))
            seeds.append(seed(K_COURIER, end | proto, b"apns-security-v3", b"\x00\x01"))
    seeds.append(seed(K_TLS, END_CLOSE, b"http/1.1", b"x" * 40000))
    seeds.append(seed(K_TLS, END_WAIT | F_PIECES, b"\x00\xff\x7f", b"abcdefghij" * 20))
    seeds.append(seed(K_TLS, END_WAIT | F_ASK_CERT))
    seeds.append(seed(K_TLS, END_WAIT | F_ASK_CERT | F_NEED_CERT))
    seeds.append(seed(K_TLS, END_WAIT | F_ASK_CERT | F_NEED_CERT | F_TLS12))
    seeds.append(seed(K_COURIER, END_WAIT, b"apns-security-v3", b"y" * 40000))
    seeds.append(seed(K_COURIER, END_RESET | F_ASK_CERT, b"apns-security-v3"))
    for name in sorted(os.listdir(os.path.join(TOP, "tests", "data", "http", "proxy"))):
        answer = read("http", "proxy", name).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        seeds.append(seed(K_TUNNEL, END_CLOSE, b"", answer))
        seeds.append(seed(K_TUNNEL, END_WAIT | F_PIECES, b"", answer))
        seeds.append(seed(K_TUNNEL, END_RESET, b"", answer[: len(answer) // 2]))
    ok = b"HTTP/1.1 200 Connection established\r\n\r\n"
    seeds.append(seed(K_TUNNEL, END_NOTIFY | F_TLS_AFTER, b"", ok))
    seeds.append(seed(K_TUNNEL, END_WAIT | F_TLS_AFTER, b"h2", ok))
    seeds.append(seed(K_TUNNEL, END_CLOSE, b"", b"HTTP/1.1 200 OK\r\nX: " + b"a" * 9000 + b"\r\n\r\n"))
    seeds.append(seed(K_TUNNEL, END_CLOSE, b"", b"SSH-2.0-OpenSSH_9.2\r\n"))
    for kind, d in ((K_SMB, "smb"), (K_AFP, "afp")):
        for name in sorted(os.listdir(os.path.join(TOP, "tests", "data", d))):
            if not name.endswith(".bin"):
                continue
            reply = read(d, name)
            seeds.append(seed(kind, END_CLOSE, b"", reply))
            seeds.append(seed(kind, END_WAIT | F_PIECES, b"", reply))
            seeds.append(seed(kind, END_RESET, b"", reply[: len(reply) // 2]))
    for reason in (b"MissingProviderToken", b"BadCertificate", b"\xff\xfe"):
        seeds.append(seed(K_APNS, END_WAIT, b"h2", apns_answer(reason)))
        seeds.append(seed(K_APNS, END_CLOSE | F_PIECES, b"h2", apns_answer(reason)))
    seeds.append(seed(K_APNS, END_NOTIFY, b"h2", apns_answer(b"", b"200")))
    seeds.append(seed(K_APNS, END_CLOSE, b"http/1.1", b"HTTP/1.1 400 Bad Request\r\n\r\n"))
    for name in sorted(os.listdir(os.path.join(TOP, "tests", "data", "http"))):
        if not name.endswith(".bin"):
            continue
        resp = read("http", name)
        if b"location" in resp.lower():
            continue
        seeds.append(seed(K_HTTP, END_CLOSE, b"", resp))
        seeds.append(seed(K_HTTPS, END_NOTIFY | F_PIECES, b"http/1.1", resp))
        seeds.append(seed(K_HTTP, END_RESET, b"", resp[: len(resp) // 2]))
    jamf = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\n"
            b"Content-Length: %d\r\n\r\n")
    for body in (b"[]", b'[{"healthCode":1,"httpCode":503,"description":"Initializing"}]',
                 b'[{"healthCode":2,"httpCode":503,"description":"DatabaseError"}]'):
        resp = jamf % len(body) + body
        seeds.append(seed(K_MDM, END_NOTIFY, b"", resp))
        seeds.append(seed(K_MDM, END_WAIT | F_PIECES | F_TLS12, b"http/1.1", resp))
    catalog = (b'<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>'
               b"<key>CatalogVersion</key><integer>2</integer><key>Products</key><dict>"
               b"<key>041-12345</key><dict><key>PostDate</key><date>2026-10-01T00:00:00Z</date>"
               b"</dict></dict></dict></plist>\n")
    resp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n"
            % len(catalog)) + catalog
    seeds.append(seed(K_SUS, END_CLOSE, b"", resp))
    seeds.append(seed(K_SUS, END_WAIT | F_PIECES, b"", resp))
    seeds.append(seed(K_SUS, END_RESET, b"", resp[:80]))
    for name in sorted(os.listdir(os.path.join(TOP, "tests", "data", "ntp"))):
        if name.endswith(".bin") and "request" not in name:
            answer = read("ntp", name)
            seeds.append(seed(K_TIME, F_ECHO, b"", answer))
            seeds.append(seed(K_TIME, 0, b"", answer))
            seeds.append(seed(K_TIME, F_ECHO | F_PIECES, b"", answer))
    pac = b'function FindProxyForURL(url, host) { return "PROXY 10.0.0.1:3128; DIRECT"; }\n'
    ok = (b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ns-proxy-autoconfig\r\n"
          b"Content-Length: %d\r\n\r\n" % len(pac)) + pac
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
               b"%x\r\n" % len(pac) + pac + b"\r\n0\r\n\r\n")
    for kind in (K_FETCH, K_FETCHS):
        seeds.append(seed(kind, END_NOTIFY, b"", ok))
        seeds.append(seed(kind, END_CLOSE | F_PIECES, b"", chunked))
        seeds.append(seed(kind, END_CLOSE, b"", ok[:-20]))
        seeds.append(seed(kind, END_WAIT, b"", b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
    os.makedirs(OUT, exist_ok=True)
    for s in seeds:
        with open(os.path.join(OUT, hashlib.sha1(s).hexdigest()), "wb") as f:
            f.write(s)
    print(f"{len(seeds)} seeds in {OUT}")


if __name__ == "__main__":
    main()
