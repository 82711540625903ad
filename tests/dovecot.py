"""A real IMAP server for the tests: Dovecot from Debian's packages, run as a private instance.

`prepare()` installs Dovecot with apt-get when it is missing (with services held back, so no
system instance starts) and says why not when it cannot. `running()` starts an instance of our
own that shares nothing with a system one: its config, runtime directory, log, certificate and
maildir store live in a temporary folder, removed afterwards, and it listens on 127.0.0.1 on
free ports: plain IMAP offering STARTTLS, and IMAP over TLS from the start.

Any user name logs in with `PASSWORD` (a static passdb) and gets a maildir of its own, so a
test that takes a fresh `account()` has a mailbox no other test touches.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from imap_tools import BaseMailBox, MailBoxUnencrypted

DOVECOT = Path("/usr/sbin/dovecot")
DOVEADM = Path("/usr/bin/doveadm")
PACKAGE = "dovecot-imapd"
HOST = "127.0.0.1"
PASSWORD = "imap-test-secret"
SUPPORTED = "2.3."  # the configuration below is 2.3's; 2.4 renamed and regrouped settings
_POLICY_RC = Path("/usr/sbin/policy-rc.d")  # Debian asks it before a package starts a service
_START_SECONDS = 15.0

_CONFIG = """\
protocols = imap
listen = {host}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = caseloom-test-{port}
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{root}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = {uid}
first_valid_gid = {gid}
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = home={root}/mail/%u
}}
# No auth penalty: after a test's wrong password, every login from 127.0.0.1 would wait 2-15 s.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {tls_port}
    ssl = yes
  }}
}}
"""
_CONFIG_NOT_ROOT = """\
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
service imap-login {{
  chroot =
}}
service anvil {{
  chroot =
}}
"""


def prepare() -> str | None:
    """None when a supported Dovecot is there (installed now if need be), else why not."""
    problem = _install() if not DOVECOT.exists() else None
    if problem:
        return problem
    version = _run(str(DOVECOT), "--version").strip()
    if not version.startswith(SUPPORTED):
        return f"Dovecot {version} is installed; the test server's configuration is for 2.3"
    return None


@dataclass(frozen=True)
class Dovecot:
    port: int  # plain IMAP; STARTTLS offered
    tls_port: int  # IMAP over TLS from the start
    certificate: Path  # self-signed, for 127.0.0.1
    config: Path
    log: Path
    host: str = HOST
    password: str = PASSWORD

    def tls_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's certificate (and verifies it)."""
        return ssl.create_default_context(cafile=self.certificate)

    def account(self) -> Account:
        """A user never seen before: an empty INBOX of its own."""
        return Account(self, f"user-{uuid.uuid4().hex[:12]}")


@dataclass(frozen=True)
class Account:
    """A user on the test server, and what a test does to its mailbox from the outside."""

    server: Dovecot
    user: str

    def append(self, raw: bytes, folder: str = "INBOX", flags: Sequence[str] = ()) -> str:
        """Put a message in `folder` (created if need be) as a mail client would; its UID."""
        with self._session() as box:
            if not box.folder.exists(folder):
                box.folder.create(folder)
            _, answer = box.append(raw, folder, flag_set=list(flags))
        found = re.search(rb"APPENDUID \d+ (\d+)", answer[0])
        assert found, answer
        return found.group(1).decode()

    def uids(self, folder: str = "INBOX") -> list[str]:
        with self._session() as box:
            box.folder.set(folder)
            return sorted(box.uids("ALL"), key=int)

    def flags(self, folder: str = "INBOX") -> dict[str, set[str]]:
        """Each message's flags and keywords, by UID."""
        with self._session() as box:
            box.folder.set(folder)
            messages = box.fetch("ALL", mark_seen=False, headers_only=True, bulk=True)
            return {str(message.uid): set(message.flags) for message in messages}

    def remake(self, folder: str) -> None:
        """Delete `folder` and make it again: a new UIDVALIDITY, and UIDs from 1 again."""
        with self._session() as box:
            box.folder.delete(folder)
            box.folder.create(folder)

    def kick(self) -> None:
        """Drop every connection of this user, as a server restart or idle timeout would."""
        _run(str(DOVEADM), "-c", str(self.server.config), "kick", self.user)

    def _session(self) -> BaseMailBox:
        box = MailBoxUnencrypted(self.server.host, self.server.port, timeout=5)
        try:
            return box.login(self.user, self.server.password, initial_folder=None)
        except BaseException:
            box.client.shutdown()
            raise


@contextmanager
def running() -> Iterator[Dovecot]:
    """A private Dovecot for as long as the block runs; stopped and its files removed after."""
    root = Path(tempfile.mkdtemp(prefix="caseloom-dovecot-"))
    try:
        root.chmod(0o755)  # the mail processes run as another user, and must get through
        server = _configure(root)
        with _started(server, root):
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _configure(root: Path) -> Dovecot:
    uid, gid = _mail_owner()
    for folder in ("run", "state", "mail"):
        (root / folder).mkdir()
    os.chown(root / "mail", uid, gid)
    _run(
        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-days", "2", "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=IP:{HOST}",
        "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"),
    )  # fmt: skip
    port, tls_port = _free_ports(2)
    config = root / "dovecot.conf"
    text = _CONFIG.format(
        host=HOST, root=root, port=port, tls_port=tls_port, uid=uid, gid=gid, password=PASSWORD
    )
    if os.geteuid() != 0:  # every process runs as us, none in a chroot
        text += _CONFIG_NOT_ROOT.format(
            user=pwd.getpwuid(uid).pw_name, group=grp.getgrgid(gid).gr_name
        )
    config.write_text(text)
    return Dovecot(port, tls_port, root / "cert.pem", config, root / "dovecot.log")


def _mail_owner() -> tuple[int, int]:
    """Who owns the mail: `nobody` when we are root (Dovecot runs no mail process as root)."""
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        return nobody.pw_uid, nobody.pw_gid
    return os.geteuid(), os.getegid()


@contextmanager
def _started(server: Dovecot, root: Path) -> Iterator[None]:
    with (root / "stderr.log").open("wb") as stderr:
        process = subprocess.Popen(  # -F: in the foreground, so it is ours to stop
            [str(DOVECOT), "-F", "-c", str(server.config)],
            stdin=subprocess.DEVNULL,
            stdout=stderr,
            stderr=stderr,
        )
    try:
        _await_greeting(process, server, root)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _await_greeting(process: subprocess.Popen[bytes], server: Dovecot, root: Path) -> None:
    deadline = time.monotonic() + _START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Dovecot stopped at start:\n{_logs(root)}")
        try:
            with socket.create_connection((server.host, server.port), timeout=2) as probe:
                if probe.recv(64).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"Dovecot did not greet on port {server.port} in time:\n{_logs(root)}")


def _logs(root: Path) -> str:
    logs = (root / name for name in ("stderr.log", "dovecot.log"))
    return "\n".join(log.read_text(errors="replace")[-3000:] for log in logs if log.exists())


def _install() -> str | None:
    missing = f"Dovecot is not installed ({DOVECOT})"
    if os.geteuid() != 0:
        return f"{missing}, and installing {PACKAGE} takes root"
    if shutil.which("apt-get") is None:
        return f"{missing}, and there is no apt-get to install {PACKAGE} with"
    with _services_held():
        failure = _apt("install", "-y", "--no-install-recommends", PACKAGE)
        if failure is not None:  # perhaps an old or missing package list
            failure = _apt("update") or _apt("install", "-y", "--no-install-recommends", PACKAGE)
    if failure is not None or not DOVECOT.exists():
        return f"{missing}, and `apt-get install {PACKAGE}` failed:\n{failure}"
    return None


def _apt(*args: str) -> str | None:
    """None if apt-get did it, else the end of what it said."""
    command = ["apt-get", "-q", "-o", "DPkg::Lock::Timeout=300", *args]
    environment = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    try:
        done = subprocess.run(
            command, env=environment, capture_output=True, text=True, timeout=900, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return str(error)
    return None if done.returncode == 0 else (done.stdout + done.stderr)[-3000:]


@contextmanager
def _services_held() -> Iterator[None]:
    """Installing starts no system Dovecot: a policy-rc.d refuses, unless one is in place."""
    if _POLICY_RC.exists():
        yield
        return
    _POLICY_RC.write_text(
        "#!/bin/sh\n# held by Caseloom's tests while installing Dovecot\nexit 101\n"
    )
    _POLICY_RC.chmod(0o755)
    try:
        yield
    finally:
        _POLICY_RC.unlink(missing_ok=True)


def _free_ports(count: int) -> list[int]:
    with ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind((HOST, 0))
        return [int(probe.getsockname()[1]) for probe in probes]


def _run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=60).stdout
