"""`python -m bench [name ...]`: run every benchmark module of this folder (or the named ones), one after the
other, each in its own process so the servers and environment one starts cannot leak into the next.

Each module prints its own markdown table and writes `bench/results/<name>.json`; a module that fails does not
stop the others, but makes the exit status non-zero.
"""
from __future__ import annotations

import argparse
import pkgutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benchmark_modules() -> list[str]:
    modules = pkgutil.iter_modules([str(HERE)])
    return sorted(module.name for module in modules if not module.name.startswith("_"))


def main(argv: list[str] | None = None) -> int:
    available = benchmark_modules()
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run the benchmarks in bench/.")
    parser.add_argument("names", nargs="*", metavar="name",
                        help=f"benchmarks to run (default: all of {', '.join(available)})")
    names = parser.parse_args(argv).names or available
    unknown = sorted(set(names) - set(available))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; available: {', '.join(available)}")
    failed = []
    for name in names:
        print(f"\n## bench.{name}\n", flush=True)
        started = time.monotonic()
        completed = subprocess.run([sys.executable, "-m", f"bench.{name}"], cwd=HERE.parent)
        seconds = time.monotonic() - started
        print(f"\n(bench.{name}: {seconds:.0f} s, exit {completed.returncode})", flush=True)
        if completed.returncode:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
