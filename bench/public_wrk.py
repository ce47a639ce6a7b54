"""Drive one path of an app with ``wrk`` and a generated Lua script.

Every response is checked in Lua against the status (and a piece of the page) the path
must answer with; anything else counts as an error, so a run where the app refuses the
load (400, 422, 429 …) shows its errors instead of a fast rate. A final submit carries a
new ``submission_token`` in every request (Atsume stores one record per token).
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

WRK = shutil.which("wrk") or "/usr/bin/wrk"

LUA = r"""
wrk.method = %(method)s
wrk.body = %(body)s
%(headers)s
expected = %(expected)d
marker = %(marker)s
token_body = %(token_body)s
quota = %(quota)d
round_id = %(round_id)s

threads = {}
function setup(thread)
  thread:set("thread_no", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  sent, answered, bad, first_bad = 0, 0, 0, ""
end

if token_body then
  function request()
    sent = sent + 1
    local token = string.format("%%s%%02d%%09d", round_id, thread_no, sent)
    return wrk.format(nil, nil, nil, token_body .. token)
  end
end

function response(status, headers, body)
  answered = answered + 1
  if status ~= expected or (marker and not string.find(body, marker, 1, true)) then
    bad = bad + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body, 1, 300) end
  end
  if quota > 0 and answered == quota then
    io.write("BENCH-QUOTA\n")
    io.stdout:flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local all_bad, first = 0, ""
  for _, thread in ipairs(threads) do
    all_bad = all_bad + thread:get("bad")
    if first == "" then first = thread:get("first_bad") end
  end
  io.write("BENCH-RESULT ", string.format("%%d %%d %%d %%d %%d %%d %%d\n",
    summary.requests, summary.duration, all_bad, summary.errors.connect,
    summary.errors.read + summary.errors.write, summary.errors.timeout,
    summary.errors.status))
  io.write("BENCH-FIRST ", (first:gsub("\n", " ")), "\n")
end
"""


@dataclass
class Target:
    """A request to repeat: method, path, headers, body, and the answer expected."""

    method: str
    path: str
    expected: int
    headers: dict[str, str]
    body: str = ""
    #: a piece of text the answer's body must contain
    marker: str | None = None
    #: the body ends with ``submission_token=``: each request appends a new token
    token_per_request: bool = False


@dataclass
class Run:
    """What one wrk run measured."""

    requests: int
    seconds: float
    #: answers that were not the expected status (or lacked the expected text)
    bad: int
    #: connection, read/write and timeout errors reported by wrk
    socket_errors: int
    first_bad: str

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def succeeded(self) -> int:
        return self.requests - self.bad


def _lua_string(text: str | None) -> str:
    """A Lua string literal of *text* (UTF-8 bytes; other than printable ASCII as \\ddd)."""
    if text is None:
        return "nil"
    return '"' + "".join(
        chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\{b:03d}"
        for b in text.encode("utf-8")
    ) + '"'



def script(target: Target, quota: int = 0, round_id: str = "r") -> str:
    """The Lua script that sends *target* (each thread stops after *quota* answers if set)."""
    headers = "\n".join(
        f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in target.headers.items()
    )
    return LUA % {
        "method": _lua_string(target.method),
        "body": _lua_string(target.body or None),
        "headers": headers,
        "expected": target.expected,
        "marker": _lua_string(target.marker),
        "token_body": _lua_string(target.body if target.token_per_request else None),
        "quota": quota,
        "round_id": _lua_string(round_id),
    }


def run(
    base: str,
    target: Target,
    seconds: float,
    connections: int,
    threads: int,
    quota: int = 0,
    round_id: str = "r",
) -> Run:
    """Send *target* to *base* for *seconds* over *connections* (or until each of *threads*
    has had ``quota`` answers)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script(target, quota, round_id))
    try:
        command = [
            WRK, "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s",
            "--timeout", "30s", "-s", f.name, base + target.path,
        ]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        lines = []
        stopped = 0
        for line in process.stdout:
            lines.append(line)
            if line.startswith("BENCH-QUOTA"):
                stopped += 1
                if stopped == threads:  # wrk otherwise sleeps out its whole duration
                    process.send_signal(signal.SIGINT)
        process.wait()
    finally:
        Path(f.name).unlink()
    output = "".join(lines)
    found = re.search(r"^BENCH-RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", output, re.M)
    if process.returncode != 0 or not found:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{output}")
    requests, micros, bad, connect, read_write, timeouts, _status = map(int, found.groups())
    first = re.search(r"^BENCH-FIRST (.*)$", output, re.M)
    return Run(
        requests=requests,
        seconds=micros / 1e6,
        bad=bad,
        socket_errors=connect + read_write + timeouts,
        first_bad=first.group(1).strip() if first else "",
    )
