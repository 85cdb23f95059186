"""Fetch the GraphiQL page's assets from the npm registry, pinned and integrity-checked.

``python scripts/fetch_graphiql_assets.py`` downloads each package tarball
named in ``gateway/api/graphiql/assets/manifest.json``, checks the tarball
against the registry's ``dist.integrity`` (sha512), extracts the files the
page loads and the package's licence, and checks every file against the
sha384 in the manifest (the same digests strawberry's GraphiQL page pins for
its CDN copies). Run it only to change versions; the files are committed, so
the page works on networks without internet access.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[1] / "gateway" / "api" / "graphiql" / "assets"
REGISTRY = "https://registry.npmjs.org"
LICENCE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "license", "LICENCE")


def sri(data: bytes, algorithm: str) -> str:
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        data: bytes = response.read()
        return data


def main() -> int:
    manifest = json.loads((ASSETS / "manifest.json").read_text())
    for package in manifest["packages"]:
        name, version = package["name"], package["version"]
        meta = json.loads(fetch(f"{REGISTRY}/{name}/{version}"))
        tarball = fetch(meta["dist"]["tarball"])
        if sri(tarball, "sha512") != meta["dist"]["integrity"]:
            sys.stderr.write(f"{name}@{version}: tarball does not match the registry's integrity\n")
            return 1
        with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
            members = {m.name.removeprefix("package/"): m for m in archive.getmembers()}
            for asset in package["files"]:
                extracted = archive.extractfile(members[asset["path"]])
                assert extracted is not None
                data = extracted.read()
                if sri(data, "sha384") != asset["integrity"]:
                    sys.stderr.write(f"{name}@{version}/{asset['path']}: integrity mismatch\n")
                    return 1
                (ASSETS / asset["name"]).write_bytes(data)
            licence = next((members[n] for n in LICENCE_NAMES if n in members), None)
            slug = name.replace("@", "").replace("/", "-")
            if licence is not None:
                extracted = archive.extractfile(licence)
                assert extracted is not None
                text = extracted.read()
            else:
                text = (
                    f"{name}@{version} is published under the {meta.get('license')} licence "
                    "(its package.json); the package ships no licence file.\n"
                ).encode()
            (ASSETS / f"LICENSE.{slug}").write_bytes(text)
        print(f"{name}@{version}: ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
