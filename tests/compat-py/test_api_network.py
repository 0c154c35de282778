"""Network rules through the official Python SDK (API mode only): `network`
on create (allow_out/deny_out, allow_public_traffic), allow_internet_access,
get_info reporting them, update_network changing what the sandbox reaches,
a malformed CIDR refused with E2B's 400.  The sandboxes reach only two test
hosts (198.18.79.1, .2) in a network namespace this module makes; never an
outside address."""
import os
import secrets
import shutil
import subprocess
import tempfile
import urllib.request

import pytest
from e2b import Sandbox, SandboxException
from e2b.sandbox.network import ALL_TRAFFIC

from conftest import API_MODE, RUN, SANDBOX_TIMEOUT, dispose, until

if not API_MODE:
    pytest.skip("needs sbxd (API mode)", allow_module_level=True)

TH1, TH2 = "198.18.79.1", "198.18.79.2"


def ip(*args):
    subprocess.run(["ip", *args], check=True)


@pytest.fixture(scope="module", autouse=True)
def test_hosts():
    suf = secrets.token_hex(3)
    ns, link = f"sbxt-np-{suf}", f"tnp{suf}"   # the link: not "sbx*" (a sandbox's)
    www = tempfile.mkdtemp(prefix="sbx-compat-py-net-")
    with open(os.path.join(www, "name"), "w") as f:
        f.write("testhost\n")
    server = None
    ip("netns", "add", ns)
    try:
        ip("link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", ns)
        ip("addr", "add", "198.18.79.254/24", "dev", link)
        ip("link", "set", link, "up")
        ip("-n", ns, "addr", "add", f"{TH1}/24", "dev", "eth0")
        ip("-n", ns, "addr", "add", f"{TH2}/24", "dev", "eth0")
        ip("-n", ns, "link", "set", "eth0", "up")
        ip("-n", ns, "link", "set", "lo", "up")
        ip("-n", ns, "route", "add", "default", "via", "198.18.79.254")
        server = subprocess.Popen(["nsenter", f"--net=/run/netns/{ns}", "/usr/bin/python3", "-m", "http.server",
                                   "8080", "--bind", "0.0.0.0", "--directory", www],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def answers():
            try:
                return urllib.request.urlopen(f"http://{TH1}:8080/name", timeout=2).read() == b"testhost\n"
            except OSError:
                return False
        until(answers, 20, "the test host to answer")
        yield
    finally:
        if server:
            server.kill()
            server.wait()
        subprocess.run(["ip", "netns", "del", ns])
        subprocess.run(["ip", "link", "del", link], stderr=subprocess.DEVNULL)
        shutil.rmtree(www, ignore_errors=True)


def reach(sbx, addr):
    """"open" (GET /name answered), "refused" (denied: a reset), or what else."""
    out = sbx.commands.run(
        f"timeout -k 1 4 bash -c 'exec 3<>/dev/tcp/{addr}/8080 && "
        f"printf \"GET /name HTTP/1.0\\r\\n\\r\\n\" >&3 && tail -n 1 <&3' 2>&1; echo \" rc=$?\"").stdout
    if "testhost" in out:
        return "open"
    if "Connection refused" in out:
        return "refused"
    return "timeout" if "rc=124" in out else f"other: {out.strip()}"


@pytest.fixture
def fresh():
    made = []

    def make(**kw):
        s = Sandbox.create(metadata={"suite": RUN}, timeout=SANDBOX_TIMEOUT, **kw)
        made.append(s)
        return s
    yield make
    for s in made:
        dispose(s)


def test_create_deny_all_but_one_and_get_info(fresh):
    s = fresh(network={"deny_out": [ALL_TRAFFIC], "allow_out": [TH1]})
    assert reach(s, TH1) == "open"
    assert reach(s, TH2) == "refused"
    info = s.get_info()
    assert info.network["allow_out"] == [TH1]
    assert info.network["deny_out"] == [ALL_TRAFFIC]
    assert info.network["allow_public_traffic"] is True
    assert info.allow_internet_access is True


def test_update_network_then_clear(fresh):
    s = fresh()
    assert reach(s, TH2) == "open"
    s.update_network({"deny_out": [TH2]})
    assert reach(s, TH2) == "refused"
    assert reach(s, TH1) == "open"
    Sandbox.update_network(s.sandbox_id, {"allow_internet_access": False, "allow_out": [TH2]})
    assert reach(s, TH2) == "open"
    assert reach(s, TH1) == "refused"
    assert s.get_info().allow_internet_access is False
    s.update_network({})
    assert reach(s, TH1) == "open" and reach(s, TH2) == "open"
    assert "deny_out" not in s.get_info().network


def test_internet_off_then_allowed(fresh):
    s = fresh(allow_internet_access=False, network={"allow_public_traffic": False})
    assert reach(s, TH1) != "open"
    info = s.get_info()
    assert info.allow_internet_access is False
    assert info.network["allow_public_traffic"] is False
    s.update_network({"allow_internet_access": False, "allow_out": [TH1]})
    assert reach(s, TH1) == "open"
    assert reach(s, TH2) == "refused"


def test_malformed_cidr_is_400_naming_it():
    with pytest.raises(SandboxException) as exc:
        Sandbox.create(metadata={"suite": RUN}, network={"allow_out": ["10.0.0.0/33"]})
    assert getattr(exc.value, "status_code", None) == 400 or "400" in str(exc.value)
    assert "'10.0.0.0/33' is not a valid IP address or CIDR" in str(exc.value)
    with pytest.raises(SandboxException) as exc:
        Sandbox.create(metadata={"suite": RUN}, network={"deny_out": ["example.com"]})
    assert "domain names are not supported for deny rules" in str(exc.value)
