"""Tests never reach the internet: name lookups answer only for loopback.

Imported by conftest.py for the test process and, through PYTHONPATH, by every
`archiver` child process the tests start. Posts in recorded responses name
real CDNs (pbs.twimg.com…); without this a collect under test would try them.
"""
import ipaddress
import socket

_getaddrinfo = socket.getaddrinfo
LOCAL_NAMES = {None, "", "localhost", "localhost.localdomain"}


def _is_loopback(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def getaddrinfo(host, *args, **kwargs):
    if not _is_loopback(host):
        raise socket.gaierror(socket.EAI_NONAME, f"Name or service not known ({host}: tests stay offline)")
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = getaddrinfo
