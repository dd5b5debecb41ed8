"""Start-up time of `landscape --help` against `python -c "import click"`, measured side by side.

Each command runs REPEATS times in a fresh interpreter, alternating, and the medians are
compared: the CLI imports only click and its own small modules to print its help, so the
ratio should stay below 2 (issue 14). Prints both medians and the ratio.

    python benchmarks/cli_startup.py [REPEATS]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

CLICK = [sys.executable, "-c", "import click"]
HELP = [sys.executable, "-c", "import sys; sys.argv = ['landscape', '--help']; from landscape.cli import main; main()"]


def once(cmd) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main(repeats: int = 20) -> None:
    once(CLICK), once(HELP)  # warm the file cache
    click_times, help_times = [], []
    for _ in range(repeats):
        click_times.append(once(CLICK))
        help_times.append(once(HELP))
    c, h = statistics.median(click_times), statistics.median(help_times)
    print(f"python -c 'import click': {c * 1e3:.1f} ms (median of {repeats})")
    print(f"landscape --help:          {h * 1e3:.1f} ms")
    print(f"ratio: {h / c:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
