"""Benchmark: AMI stream parsing, ours vs panoramisk 1.4 vs a bare split loop.

Run from the repository root: ``python bench/ami_parse.py`` (needs ../shared/asterisk/ami).

The stream is built from every real event recorded in the transcripts (repeated until at
least 200,000 events), prefixed with the greeting, and fed in 64 KiB chunks to:

a. :class:`voip.ami.protocol.AMIParser`, producing complete :class:`Message` objects;
b. panoramisk 1.4's ``AMIProtocol.data_received`` (stub manager and transport), counting the
   events it dispatches;
c. a bare loop: ``split(b"\\r\\n\\r\\n")`` over a carried-over buffer, each message into a dict.

Best of 5 runs each; prints a markdown table to stdout.
"""

from __future__ import annotations

import asyncio
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.ami.transcripts import load_all, transcripts_available  # noqa: E402
from voip.ami.protocol import AMIParser  # noqa: E402

CHUNK_SIZE = 64 * 1024
MIN_EVENTS = 200_000
RUNS = 5
GREETING = b"Asterisk Call Manager/11.0.0\r\n"


def build_stream() -> tuple[bytes, int]:
    events = [
        raw
        for sessions in load_all().values()
        for session in sessions
        for raw in session.messages()
        if raw.startswith(b"Event: ")
    ]
    repeats = -(-MIN_EVENTS // len(events))
    return GREETING + b"".join(events) * repeats, len(events) * repeats


def chunks_of(stream: bytes) -> list[bytes]:
    return [stream[offset : offset + CHUNK_SIZE] for offset in range(0, len(stream), CHUNK_SIZE)]


def run_ours(chunks: list[bytes]) -> int:
    parser = AMIParser()
    count = 0
    for chunk in chunks:
        count += len(parser.feed(chunk))
    return count


def run_panoramisk(chunks: list[bytes]) -> int:
    from panoramisk.ami_protocol import AMIProtocol

    class StubManager:
        save_stream = None
        dispatched = 0

        def dispatch(self, message: object) -> None:
            self.dispatched += 1

        def connection_lost(self, exc: object) -> None:  # pragma: no cover - not reached
            pass

    class StubTransport:
        def write(self, data: bytes) -> None:  # pragma: no cover - nothing is sent
            pass

        def close(self) -> None:  # pragma: no cover
            pass

    protocol = AMIProtocol()
    protocol.connection_made(StubTransport())
    manager = StubManager()
    protocol.factory = manager
    for chunk in chunks:
        protocol.data_received(chunk)
    return manager.dispatched


def run_bare(chunks: list[bytes]) -> int:
    buffer = b""
    count = 0
    first = True
    for chunk in chunks:
        buffer += chunk
        if first:
            buffer = buffer[buffer.index(b"\r\n") + 2 :]
            first = False
        *complete, buffer = buffer.split(b"\r\n\r\n")
        for block in complete:
            message = {}
            for line in block.decode("utf-8", "replace").split("\r\n"):
                key, _, value = line.partition(": ")
                message[key] = value
            count += 1
    return count


def best_rates(runners: list[Callable[[list[bytes]], int]], chunks: list[bytes], expected: int) -> list[float]:
    """Best events/s of each runner over RUNS rounds, the runners taking turns within a round.

    Taking turns (after one warm-up round) exposes every parser to the same machine conditions;
    five back-to-back runs of one parser, then of the next, let CPU frequency and the neighbours'
    load drift between parsers and bias the ratios.
    """
    best = [float("inf")] * len(runners)
    for round_number in range(RUNS + 1):
        for position, runner in enumerate(runners):
            started = time.perf_counter()
            count = runner(chunks)
            elapsed = time.perf_counter() - started
            if count != expected:
                raise SystemExit(f"{runner.__name__} counted {count} events, expected {expected}")
            if round_number:  # round 0 warms caches and the allocator up
                best[position] = min(best[position], elapsed)
    return [expected / seconds for seconds in best]


def main() -> None:
    if not transcripts_available():
        raise SystemExit("../shared/asterisk/ami is missing; the benchmark needs the real transcripts")
    # panoramisk's Action creates asyncio futures; give it a loop like a real application.
    asyncio.set_event_loop(asyncio.new_event_loop())
    stream, events = build_stream()
    chunks = chunks_of(stream)
    ours, panoramisk, bare = best_rates([run_ours, run_panoramisk, run_bare], chunks, events)
    print(f"AMI parse benchmark: {events:,} events, {len(stream) / 1e6:.1f} MB in {len(chunks)} chunks of 64 KiB,")
    print(f"best of {RUNS} interleaved rounds after a warm-up;", end=" ")
    print(f"Python {platform.python_version()} on {platform.machine()}\n")
    print("| parser | events/s | vs panoramisk 1.4 | vs bare split loop |")
    print("|---|---:|---:|---:|")
    for name, rate in (
        ("voip.ami AMIParser (Message objects)", ours),
        ("panoramisk 1.4 AMIProtocol.data_received", panoramisk),
        ("bare split-into-dicts loop", bare),
    ):
        print(f"| {name} | {rate:,.0f} | {rate / panoramisk:.2f}x | {rate / bare:.2f}x |")


if __name__ == "__main__":
    main()
