"""Pictures of the demo edition, to look at: HTML in headless Chromium, PDF via pdftoppm.

    .venv/bin/python bench/screenshots.py [--out shots] [--keep]

Builds the demo edition in a temporary workspace (a real `briefing build`, so the
archive index and incident pages exist too), then writes into `shots/` (git-ignored):

* ``edition-{phone,desktop}-{light,dark}.png``  the edition at 390 px and 1280 px
* ``index-desktop-light.png``, ``incident-phone-dark.png``  archive pages
* ``pdf-N.png``  every PDF page at 70 dpi

Needs Debian's ``chromium`` and ``poppler-utils`` (``apt-get install -y chromium
poppler-utils``); only this script does, never the tests. Chromium runs with a fresh
profile and with everything that could reach the network switched off, so the
screenshots also show that the pages need nothing from outside.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = {"phone": (390, 2600), "desktop": (1280, 1900)}
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
]


def build_demo(workspace: Path) -> Path:
    """A real build of the demo schedule in `workspace`; returns the edition folder."""
    shutil.copytree(ROOT / "samples", workspace / "samples")
    (workspace / "schedules").mkdir()
    shutil.copy(ROOT / "schedules" / "demo.toml", workspace / "schedules")
    subprocess.run([sys.executable, "-m", "briefing", "build", "demo", "--no-email",
                    "--workspace", str(workspace)], check=True, cwd=ROOT)
    [folder] = [p.parent for p in (workspace / "output" / "demo").glob("*/*/*/index.html")]
    return folder


def screenshot(page: Path, target: Path, size: tuple[int, int], dark: bool) -> None:
    """One Chromium screenshot of a local page, with a throwaway profile."""
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        flags = [*CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={target}",
                 f"--window-size={size[0]},{size[1]}"]
        if dark:
            flags += ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"]
        subprocess.run(["chromium", *flags, page.as_uri()], check=True, timeout=120,
                       capture_output=True)
    print(f"wrote {target}")


def pdf_pages(pdf: Path, out: Path) -> None:
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(out / "pdf")], check=True)
    for png in sorted(out.glob("pdf-*.png")):
        print(f"wrote {png}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "shots")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary workspace.")
    args = parser.parse_args()
    missing = [tool for tool in ("chromium", "pdftoppm") if shutil.which(tool) is None]
    if missing:
        print(f"missing {', '.join(missing)}: apt-get install -y chromium poppler-utils")
        return 2
    args.out.mkdir(exist_ok=True)
    for old in args.out.glob("*.png"):
        old.unlink()
    workspace = Path(tempfile.mkdtemp(prefix="briefing-shots-"))
    try:
        edition = build_demo(workspace)
        for name, size in WIDTHS.items():
            for scheme in ("light", "dark"):
                screenshot(edition / "index.html", args.out / f"edition-{name}-{scheme}.png",
                           size, scheme == "dark")
        archive = workspace / "output" / "demo"
        screenshot(archive / "index.html", args.out / "index-desktop-light.png",
                   WIDTHS["desktop"], False)
        incident = sorted((archive / "incidents").glob("*.html"))[0]
        screenshot(incident, args.out / "incident-phone-dark.png", (390, 1400), True)
        pdf_pages(edition / "briefing.pdf", args.out)
    finally:
        if args.keep:
            print(f"workspace kept: {workspace}")
        else:
            shutil.rmtree(workspace, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
