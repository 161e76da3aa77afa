"""What the HTTP benchmarks share: a free loopback port, and a wrk run read back as figures."""
import os, re, socket, subprocess


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port


def wrk(port, path, seconds, token, script=None, env=None):
    """wrk with 2 threads and 16 connections for `seconds` against 127.0.0.1:`port`: p50 and p99
    in ms, requests per second, and the count of answers that were not 2xx or 3xx."""
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-H", f"Authorization: Bearer {token}"]
    if script: command += ["-s", script]
    out = subprocess.run(command + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                         env={**os.environ, **(env or {})}, check=True).stdout
    def ms(label):
        m = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"p50": ms("50%"), "p99": ms("99%"), "rate": rate, "non2xx": int(non2xx.group(1)) if non2xx else 0}
