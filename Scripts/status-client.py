#!/usr/bin/env python3
"""Ask a running Winnow coordinator where its run stands -- from Python, over the wire contract.

An example of using Winnow's protocol from another language: the message classes are generated
from Proto/winnow/v1/*.proto by protoc at start (into a temporary folder), the transport is pyzmq.
It sends one Envelope holding a StatusRequest and prints the StatusReply.

    Scripts/status-client.py --connect tcp://127.0.0.1:7700            # loopback, plain
    Scripts/status-client.py --connect tcp://node17:7700 --key keys/worker-1.secret
    Scripts/status-client.py --connect ... --json                       # the reply as JSON

Needs protoc, pyzmq and protobuf for Python (Debian: protobuf-compiler python3-zmq python3-protobuf).
Exit codes: 0 answered, 64 usage, 69 refused (key or protocol), 75 no answer within --timeout.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile

MAGIC = 0x574F4E57  # "WNOW" read as a little-endian UInt32 (Proto/README.md)
PROTOCOL_VERSION = 1
HERE = os.path.dirname(os.path.abspath(__file__))
PROTO = os.path.join(HERE, "..", "Proto")


def generated_classes(out_dir):
    """Runs protoc over Proto/ and imports the generated envelope module."""
    files = sorted(os.path.join("winnow", "v1", f) for f in os.listdir(os.path.join(PROTO, "winnow", "v1")) if f.endswith(".proto"))
    subprocess.run(["protoc", "-I", PROTO, "--python_out", out_dir] + files, check=True)
    sys.path.insert(0, out_dir)
    from winnow.v1 import envelope_pb2  # noqa: E402 (generated just above)
    return envelope_pb2


def read_key(path):
    """A key file of `winnow keygen`: comment lines, then one Z85 key."""
    with open(path) as f:
        lines = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    if len(lines) != 1 or len(lines[0]) != 40:
        sys.exit(f"error: {path}: not a Winnow key file")
    return lines[0].encode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connect", required=True, help="the coordinator's endpoint, e.g. tcp://node17:7700")
    parser.add_argument("--key", help="a worker secret key file (CURVE); needed unless the endpoint is loopback")
    parser.add_argument("--server-key", help="the coordinator's public key file (default: coordinator.public beside --key)")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the answer")
    parser.add_argument("--json", action="store_true", help="print the reply as JSON")
    args = parser.parse_args()

    try:
        import zmq  # imported here so --help works without pyzmq
        from google.protobuf import json_format
    except ImportError:
        # Scripts/setup installs Debian's python3-zmq and python3-protobuf, which only the system
        # interpreter sees; a virtualenv or pyenv python3 first on PATH would not.
        if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
            os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
        print("error: needs pyzmq and protobuf (Debian: apt-get install python3-zmq python3-protobuf)", file=sys.stderr)
        return 69

    with tempfile.TemporaryDirectory() as tmp:
        pb = generated_classes(tmp)
        context = zmq.Context()
        sock = context.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        if args.key:
            secret = read_key(args.key)
            server = read_key(args.server_key or os.path.join(os.path.dirname(args.key), "coordinator.public"))
            sock.curve_secretkey = secret
            sock.curve_publickey = zmq.curve_public(secret)
            sock.curve_serverkey = server
        sock.connect(args.connect)

        request = pb.Envelope(magic=MAGIC, protocol_version=PROTOCOL_VERSION, sender=f"status.py@{socket.gethostname()}", sequence=1)
        request.status_request.SetInParent()
        sock.send(request.SerializeToString())
        if not sock.poll(int(args.timeout * 1000)):
            print(f"error: no answer from {args.connect} within {args.timeout} s", file=sys.stderr)
            return 75
        reply = pb.Envelope()
        reply.ParseFromString(sock.recv())
        if reply.magic != MAGIC:
            print("error: the answer is not a Winnow message", file=sys.stderr)
            return 69
        body = reply.WhichOneof("body")
        if body == "reject":
            print(f"error: refused: {reply.reject.detail}", file=sys.stderr)
            return 69
        if body != "status_reply":
            print(f"error: unexpected answer: {body}", file=sys.stderr)
            return 69
        status = reply.status_reply
        if args.json:
            print(json.dumps(json_format.MessageToDict(status, preserving_proto_field_name=True,
                                                       including_default_value_fields=True), indent=2, sort_keys=True))
        else:
            eta = f"{status.eta_seconds:.0f} s" if status.eta_seconds >= 0 else "?"
            print(f"run {status.run_id}: {status.state}, {status.phase} "
                  f"{status.level_tasks_done}/{status.level_tasks_total} tasks, "
                  f"{status.level_rows_done}/{status.total_rows} rows, {status.rows_per_second:.0f} rows/s, ETA {eta}, "
                  f"{status.workers_alive} workers, {status.retries} retries")
            for w in status.workers:
                print(f"  {w.name} on {w.host}: {w.slots} slots, {w.running} running, "
                      f"{w.chunk_tasks} chunks, {w.merge_tasks} merges, busy {w.busy_seconds:.1f} s")
        return 0


if __name__ == "__main__":
    sys.exit(main())
