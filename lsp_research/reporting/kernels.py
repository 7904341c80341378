"""Warm kernels: pay the imports once, still give every run a fresh process.

Starting a Jupyter kernel and importing pandas, geopandas, matplotlib and this package costs seconds, and
a quarterly run starts dozens of kernels. A *fork server* is a small process that imports those modules
once and then, on request, forks a child that becomes an ordinary IPython kernel (``IPKernelApp``) on the
connection file Jupyter gave it. Each run therefore gets its own process, started from the same clean,
already-imported state: nothing one parameter set does (globals, module attributes, environment
variables, matplotlib settings, open figures) can reach the next one, because that process is gone.

:class:`ForkKernelManager` is a ``jupyter_client`` kernel manager that launches kernels through the fork
server; pass it to papermill as ``kernel_manager_class``. Everything else (the messaging protocol,
timeouts, interrupts, detecting a dead kernel) is unchanged ``jupyter_client``/``nbclient`` behaviour.
Kernels whose spec is not ``python -m ipykernel_launcher`` are launched normally.

The fork server is POSIX-only (it uses ``fork``); :func:`fork_available` says whether it can be used.

>>> sorted(notebook_imports({"cells": [{"cell_type": "code", "source": "import numpy as np\\n"
...     "from lsp_research import plots\\nimport os, json"}]}))
['json', 'lsp_research', 'lsp_research.plots', 'numpy', 'os']
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import gc
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from queue import Empty
from typing import Any

from ..errors import KernelStartError

#: Always imported by the server: what every kernel needs.
BASE_PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",
    "IPython",
    "jupyter_client.session",
)
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
#: Seconds a starting kernel may go on reporting errors without answering before it counts as stuck.
STUCK_SECONDS = 5.0


def fork_available() -> bool:
    """True where the fork server can run (Linux; ``fork`` elsewhere is unsafe with threaded libraries)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def die_with_parent(parent: int, signum: int = signal.SIGKILL) -> bool:
    """Ask Linux to send ``signum`` to this process when its parent ends (``prctl(PR_SET_PDEATHSIG)``),
    then leave at once if ``parent`` has already gone; False where the call is unavailable.

    Every process a run starts (pool workers, fork servers, kernels) calls this, so a runner killed
    with SIGKILL leaves nothing behind: its workers end, which ends their fork servers, which ends
    their kernels.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        if libc.prctl(pr_set_pdeathsig, int(signum), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if os.getppid() != parent:  # the parent ended before the request was made
        os._exit(1)
    return True


def forward_stop_signals(to: int) -> None:
    """Pass SIGINT and SIGTERM on to process ``to`` (the process that started this one) instead of
    dying: the runner decides how a run stops, and ends every process it started.
    """

    def forward(signum, frame):  # pragma: no cover - runs in a child process
        try:
            os.kill(to, signum)
        except OSError:
            os._exit(1)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, forward)


def code_cell_trees(nb: Mapping):
    """The syntax tree of each code cell of a notebook, parsed not run (IPython magics and shell lines
    are skipped; a cell that does not parse is left out).
    """
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        src = "\n".join(
            line for line in src.splitlines() if not line.lstrip().startswith(("%", "!"))
        )
        try:
            yield ast.parse(src)
        except SyntaxError:
            continue


def notebook_imports(nb: Mapping) -> set[str]:
    """Modules imported by a notebook's code cells (``import x``, ``from x import y``), parsed not run."""
    mods: set[str] = set()
    for tree in code_cell_trees(nb):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                mods.add(node.module)
                # ``from pkg import sub`` may name a submodule; the server skips what is not one
                mods.update(f"{node.module}.{a.name}" for a in node.names if a.name != "*")
    return mods


# ------------------------------------------------------------------------------------------- the server


def _preload(names: list[str]) -> tuple[list[str], list[str], float]:
    """Import ``names`` in the fork server; return those loaded, those that failed, and the seconds."""
    loaded, failed = [], []
    t0 = time.perf_counter()
    for name in names:
        try:
            __import__(name)
            loaded.append(name)
        except BaseException:  # noqa: BLE001 - a module that fails here fails visibly in the kernel
            failed.append(name)
    return loaded, failed, time.perf_counter() - t0


def _reap(children: set[int], codes: dict[int, int]) -> None:
    """Collect the exit codes of the fork server's ended kernels (negative: the killing signal)."""
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        children.discard(pid)
        codes[pid] = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def _serve(
    sock_path: str, modules: list[str], parent: int | None = None
) -> None:  # pragma: no cover - runs in the server process
    """The fork server's main loop (runs in its own process; see :class:`ForkServer`)."""
    if parent:
        die_with_parent(parent)
    parent = os.getppid()
    forward_stop_signals(parent)
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    server_pid = os.getpid()
    loaded, failed, import_seconds = _preload([*BASE_PRELOAD, *modules])
    # what the imports made is moved out of the collector's reach: a forked kernel's collections
    # then never walk (and so never copy) the hundreds of megabytes of pages it shares with the
    # server (CPython's advice for a process that forks workers: about 0.1 s a run here)
    gc.collect()
    gc.freeze()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sock_path)
    listener.listen(16)
    listener.settimeout(0.05)
    codes: dict[int, int] = {}
    children: set[int] = set()
    print(
        json.dumps({"ready": True, "import_seconds": import_seconds, "failed": failed}), flush=True
    )
    while True:
        _reap(children, codes)
        if os.getppid() != parent:  # the owner died: do not outlive it
            break
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        with conn:
            conn.settimeout(10)
            try:
                request = json.loads(_recv_line(conn))
            except (OSError, ValueError):
                continue
            op = request.get("op")
            if op == "spawn":
                pid = os.fork()
                if pid == 0:
                    listener.close()
                    conn.close()
                    _become_kernel(request, server_pid)  # never returns
                children.add(pid)
                reply: dict[str, Any] = {"pid": pid}
            elif op == "poll":
                pid = int(request["pid"])
                reply = {"returncode": codes.get(pid)}
                if pid not in codes and pid not in children:
                    reply = {"returncode": None, "unknown": True}
            elif op == "info":
                reply = {"loaded": loaded, "failed": failed, "import_seconds": import_seconds}
            elif op == "stop":
                conn.sendall(b'{"stopped": true}\n')
                break
            else:
                reply = {"error": f"unknown op {op!r}"}
            try:
                conn.sendall(json.dumps(reply).encode() + b"\n")
            except OSError:
                pass
    listener.close()
    try:
        os.unlink(sock_path)
    except OSError:
        pass


def _become_kernel(
    request: Mapping[str, Any], server: int
) -> None:  # pragma: no cover - runs in a forked child
    """In the forked child: reset what a fresh process would have, then run an IPython kernel."""
    code = 1
    try:
        os.setsid()
        die_with_parent(server)  # a kernel never outlives its fork server
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        env = dict(request.get("env") or {})
        env.setdefault("MPLBACKEND", INLINE_BACKEND)
        os.environ.clear()
        os.environ.update(env)
        if request.get("cwd"):
            os.chdir(request["cwd"])
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        log = request.get("log")
        out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600) if log else devnull
        os.dup2(out, 1)
        os.dup2(out, 2)
        if "numpy" in sys.modules:  # a fresh process would seed numpy's global generator afresh
            sys.modules["numpy"].random.seed()
        while sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
            del sys.path[0]
        sys.argv = ["ipykernel_launcher", *request["argv"]]
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=list(request["argv"]))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - report and leave; never return into the server loop
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


def _recv_line(conn: socket.socket) -> str:
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf.decode()


# ------------------------------------------------------------------------------------------- the client


class ForkServer:
    """Start and talk to a fork server.

    Parameters
    ----------
    modules : iterable of str
        Modules to import once in the server (in addition to :data:`BASE_PRELOAD`); modules that fail
        to import are skipped (the kernel that needs one reports the error as usual).
    env : mapping, optional
        Environment of the server process (default: this process's).
    """

    def __init__(self, modules: Iterable[str] = (), env: Mapping[str, str] | None = None):
        if not fork_available():
            raise RuntimeError("the fork server needs Linux (os.fork)")
        self._dir = tempfile.mkdtemp(prefix="lsp-forkserver-")
        self.path = os.path.join(self._dir, "server.sock")
        self._lock = threading.Lock()
        server_env = dict(env if env is not None else os.environ)
        server_env.setdefault("MPLBACKEND", INLINE_BACKEND)
        code = (
            "import sys, json; from lsp_research.reporting.kernels import _serve; "
            "_serve(sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]))"
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-Xfrozen_modules=off",
                "-c",
                code,
                self.path,
                json.dumps(sorted(modules)),
                # the server ends with this process; the death signal follows the starting
                # thread, so it is asked for only from the main thread (a Dask worker runs tasks
                # in threads that come and go)
                str(os.getpid() if threading.current_thread() is threading.main_thread() else 0),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            env=server_env,
            cwd=self._dir,
            text=True,
        )
        line = self.process.stdout.readline() if self.process.stdout else ""
        if not line:
            self.process.wait(timeout=10)
            raise KernelStartError(
                f"the fork server did not start (exit code {self.process.returncode})"
            )
        self.info = json.loads(line)
        atexit.register(self.close)

    def request(self, op: str, **fields: Any) -> dict[str, Any]:
        """Send one request and return the reply."""
        with self._lock, socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(30)
            s.connect(self.path)
            s.sendall(json.dumps({"op": op, **fields}).encode() + b"\n")
            return json.loads(_recv_line(s))

    def spawn(
        self,
        argv: list[str],
        env: Mapping[str, str],
        cwd: str | None = None,
        log: str | None = None,
    ) -> int:
        """Fork a kernel running ``ipykernel_launcher argv`` with ``env`` and ``cwd``; return its pid.
        The kernel's own output (start-up errors, warnings) goes to the file ``log`` when given.
        """
        return int(self.request("spawn", argv=list(argv), env=dict(env), cwd=cwd, log=log)["pid"])

    def new_log(self) -> str:
        """A fresh path in the server's folder for one kernel's own output."""
        return os.path.join(self._dir, f"kernel-{uuid.uuid4().hex}.log")

    def poll(self, pid: int) -> int | None:
        """The exit code of kernel ``pid`` (negative: killed by that signal), or None while it runs."""
        return self.request("poll", pid=pid).get("returncode")

    @property
    def alive(self) -> bool:
        """Whether the server process is still running."""
        return self.process.poll() is None

    def close(self) -> None:
        """Stop the server (running kernels are left to their managers)."""
        if self.process.poll() is None:
            try:
                self.request("stop")
            except OSError:
                pass
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        import shutil

        shutil.rmtree(self._dir, ignore_errors=True)  # the socket and the kernels' logs


def clean_stale_servers(min_age: float = 60.0) -> list[str]:
    """Remove the folders of fork servers that have ended without cleaning up (a run killed with
    SIGKILL): a folder older than ``min_age`` seconds whose socket no longer answers. Returns them.
    """
    import shutil

    removed = []
    for folder in Path(tempfile.gettempdir()).glob("lsp-forkserver-*"):
        try:
            if time.time() - folder.stat().st_mtime < min_age:
                continue
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(1)
                s.connect(str(folder / "server.sock"))
        except OSError:  # nothing listens: the server is gone
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(str(folder))
    return removed


def _tail(path: str | None, limit: int = 4000) -> str:
    """The last ``limit`` bytes of a file as text, or ``""``."""
    if not path:
        return ""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - limit))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


class ForkedProcess:
    """The ``subprocess.Popen`` surface ``jupyter_client`` uses, for a kernel forked by the server."""

    stdin = stdout = stderr = None

    def __init__(self, server: ForkServer, pid: int, log: str | None = None):
        self.server, self.pid, self.returncode, self.log = server, pid, None, log

    def output(self, limit: int = 4000) -> str:
        """The end of the kernel's own output (its start-up errors), or ``""``."""
        return _tail(self.log, limit)

    def poll(self) -> int | None:
        """The kernel's exit code, or None while it runs (as ``subprocess.Popen.poll``)."""
        global _LAST_EXIT
        if self.returncode is None:
            try:
                self.returncode = self.server.poll(self.pid)
            except OSError:  # the server is gone; fall back on the process table
                try:
                    os.kill(self.pid, 0)
                except ProcessLookupError:
                    self.returncode = -signal.SIGKILL
            if self.returncode is not None:
                _LAST_EXIT = self.returncode
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the kernel to end and return its exit code (as ``subprocess.Popen.wait``)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.01)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the kernel unless it has ended."""
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        """Ask the kernel to end (SIGTERM)."""
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """End the kernel at once (SIGKILL)."""
        self.send_signal(signal.SIGKILL)


_SERVER: ForkServer | None = None
_SERVER_KEY: tuple | None = None
_LAST_EXIT: int | None = None


def last_exit_code() -> int | None:
    """Exit code of the last forked kernel seen to end in this process (negative: the signal that
    killed it), or None.
    """
    return _LAST_EXIT


def get_server(modules: Iterable[str] = (), env: Mapping[str, str] | None = None) -> ForkServer:
    """Return this process's fork server, started on first use (or restarted if the modules changed)."""
    global _SERVER, _SERVER_KEY
    key = (tuple(sorted(modules)), tuple(sorted((env or {}).items())))
    if _SERVER is None or not _SERVER.alive or _SERVER_KEY != key:
        if _SERVER is not None:
            _SERVER.close()
        _SERVER = ForkServer(modules, env={**os.environ, **(env or {})})
        _SERVER_KEY = key
    return _SERVER


def stop_server() -> None:
    """Stop this process's fork server, if any."""
    global _SERVER, _SERVER_KEY
    if _SERVER is not None:
        _SERVER.close()
    _SERVER, _SERVER_KEY = None, None


# ----------------------------------------------------------------------------- jupyter_client plumbing


def _ipykernel_argv(cmd: list[str]) -> list[str] | None:
    """The arguments after ``-m ipykernel_launcher`` in a kernel command, or None for other kernels."""
    for i in range(len(cmd) - 1):
        if cmd[i] == "-m" and cmd[i + 1] == "ipykernel_launcher":
            return cmd[i + 2 :]
    return None


async def _answered(client, msg) -> bool:
    """Whether ``msg`` is the ``kernel_info`` reply with IOPub joined (if IOPub has not, ask again)."""
    if msg is None or msg["msg_type"] != "kernel_info_reply":
        return False
    try:
        await client.iopub_channel.get_msg(timeout=0.05)
    except Empty:
        client.kernel_info()  # IOPub was not connected yet: ask again
        return False
    client._handle_kernel_info_reply(msg)
    return True


def _look_for_errors(output: str, now: float, error_seen: float | None) -> float | None:
    """When a starting kernel first reported a traceback (None: it has not).

    Raises :class:`KernelStartError` once it has gone on reporting errors without answering for more
    than :data:`STUCK_SECONDS`.

    >>> _look_for_errors("starting", 10.0, None) is None, _look_for_errors("Traceback (most recent call last)", 10.0, None)
    (True, 10.0)
    """
    if "Traceback (most recent call last)" not in output:
        return error_seen
    error_seen = error_seen or now
    if now - error_seen > STUCK_SECONDS:
        raise KernelStartError("the kernel started but does not answer: it reports errors", output)
    return error_seen


async def _next_message(channel, timeout: float):
    """The next message on ``channel``, or None when none comes within ``timeout`` seconds."""
    try:
        return await channel.get_msg(timeout=timeout)
    except Empty:
        return None


async def _drain(channel) -> None:
    """Read and drop the messages waiting on ``channel``."""
    while True:
        try:
            await channel.get_msg(timeout=0.01)
        except Empty:
            break


def _forking(argv: list[str] | None, manager) -> bool:
    """Whether a kernel is forked from the fork server (an ipykernel, a server, a warm manager)."""
    return argv is not None and _SERVER is not None and getattr(manager, "use_fork", True)


def _make_classes():
    """Build the provisioner and kernel manager classes (importing jupyter_client only when needed)."""
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning import LocalProvisioner

    class PromptClient(AsyncKernelClient):
        """A kernel client that notices a ready kernel sooner.

        ``jupyter_client`` waits up to 1 s for the ``kernel_info`` reply and then 0.2 s for a first
        IOPub message, starting again (another request) when IOPub has not joined yet; most of a fresh
        kernel's start-up latency is those waits. This does the same handshake with short waits: one
        request, polled every 20 ms, re-sent only when the reply came before IOPub had joined.
        """

        def _kernel_output(self) -> str:
            return _tail(getattr(getattr(self.parent, "provisioner", None), "log", None))

        async def wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (timeout if timeout is not None else 60.0)
            self.kernel_info()
            next_look, error_seen = 0.0, None
            while True:
                if await _answered(self, await _next_message(self.shell_channel, 0.02)):
                    break
                if not await self._async_is_alive():
                    raise KernelStartError(
                        "the kernel ended before it answered", self._kernel_output()
                    )
                now = time.monotonic()
                if now >= next_look:  # a kernel that reports errors and does not answer is stuck
                    next_look = now + 0.25
                    error_seen = _look_for_errors(self._kernel_output(), now, error_seen)
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
            await _drain(self.iopub_channel)

    class ForkProvisioner(LocalProvisioner):
        """Launches ``ipykernel`` kernels by forking them from this process's fork server."""

        log: str | None = None

        async def launch_kernel(self, cmd: list[str], **kwargs: Any):
            argv = _ipykernel_argv(cmd)
            if not _forking(argv, self.parent):
                # a kernel started from scratch: its own output goes to a file, as a forked one's
                fd, self.log = tempfile.mkstemp(prefix="lsp-kernel-", suffix=".log")
                kwargs["stdout"] = kwargs["stderr"] = fd
                try:
                    return await super().launch_kernel(cmd, **kwargs)
                finally:
                    os.close(fd)
            env = kwargs.get("env") or dict(os.environ)
            cwd = kwargs.get("cwd")
            global _LAST_EXIT
            _LAST_EXIT = None
            self.log = log = _SERVER.new_log()
            pid = _SERVER.spawn(argv, env, str(cwd) if cwd else None, log=log)
            self.process = ForkedProcess(_SERVER, pid, log)
            self.pid = pid
            self.pgid = pid  # the child called setsid()
            self.cwd = cwd or os.getcwd()
            return self.connection_info

        async def cleanup(self, restart: bool = False) -> None:
            await super().cleanup(restart)
            if self.log:
                with contextlib.suppress(OSError):
                    os.unlink(self.log)
                self.log = None

    class ForkKernelManager(AsyncKernelManager):
        """An ``AsyncKernelManager`` whose kernels come from the fork server (see module docs)."""

        def __init__(self, *args: Any, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self.client_factory = PromptClient

        async def _async_pre_start_kernel(self, **kw: Any):
            if self.provisioner is None:
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                self.provisioner = ForkProvisioner(
                    kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
                )
            return await super()._async_pre_start_kernel(**kw)

    class ColdKernelManager(ForkKernelManager):
        """The same, but every kernel is started from scratch (``--cold``)."""

        use_fork = False

    return ForkProvisioner, ForkKernelManager, PromptClient, ColdKernelManager


_CLASSES: tuple | None = None


def fork_kernel_manager_class():
    """The :class:`ForkKernelManager` class (built on first use)."""
    global _CLASSES
    if _CLASSES is None:
        _CLASSES = _make_classes()
    return _CLASSES[1]


def cold_kernel_manager_class():
    """A kernel manager starting each kernel from scratch, its output kept for a start-up failure."""
    global _CLASSES
    if _CLASSES is None:
        _CLASSES = _make_classes()
    return _CLASSES[3]
